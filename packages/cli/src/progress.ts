/**
 * Where convert's progress goes, one sink per kind of output, all on
 * stderr except NDJSON (the result stream, stdout):
 * - a live bar (cli-progress 3.12) on a terminal that can redraw a line;
 * - plain lines off a TTY (a batch job's log): one per phase, then at most
 *   one per interval, never a control character;
 * - NDJSON `progress` events with --json, at most one a second plus every
 *   phase change and the last;
 * - nothing with --quiet.
 */
import cliProgress from "cli-progress";
import type { ConvertProgress } from "@parazarr/core";
import { mb, rate, seconds } from "./units.js";

export interface ProgressSink {
  update(progress: ConvertProgress): void;
  /** Ends the bar (or prints the last line): the summary comes next. */
  stop(): void;
}

export interface Writer {
  write(text: string): unknown;
}

const PHASE_LABEL: Record<ConvertProgress["phase"], string> = { scan: "scanning", template: "template", write: "writing" };

export const quietSink = (): ProgressSink => ({ update() {}, stop() {} });

export function liveBar(stream: NodeJS.WriteStream): ProgressSink {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: "{phase} {bar} {value}/{total} {unit} | files {filesDone}/{files} | {mbps} MB/s | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let phase: ConvertProgress["phase"] | undefined;
  return {
    update(p) {
      const payload = { phase: PHASE_LABEL[p.phase], unit: p.phase === "scan" ? "files" : "tasks", filesDone: p.filesDone, files: p.files, mbps: rate(p.bytesWritten, p.elapsedMs).toFixed(1) };
      const total = p.total ?? 0;
      if (!started || phase !== p.phase) {
        if (started) bar.stop();
        bar.start(total, p.done, payload);
        started = true;
        phase = p.phase;
      } else {
        bar.setTotal(total);
        bar.update(p.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export function describeProgress(p: ConvertProgress): string {
  const tasks = p.total === undefined ? "" : ` ${p.done}/${p.total} ${p.phase === "scan" ? "files" : "tasks"}`;
  if (p.phase !== "write") return `parazarr: ${PHASE_LABEL[p.phase]}${tasks}, ${seconds(p.elapsedMs)}`;
  return (
    `parazarr: ${PHASE_LABEL[p.phase]}${tasks} (${p.skipped} skipped, ${p.failed} failed), files ${p.filesDone}/${p.files}, ` +
    `${p.chunksWritten} chunks, ${mb(p.bytesWritten)}, ${rate(p.bytesWritten, p.elapsedMs).toFixed(1)} MB/s, ${seconds(p.elapsedMs)}`
  );
}

/** Periodic plain lines: a new phase prints at once, otherwise at most one line per `intervalMs`. */
export function plainLines(stream: Writer, intervalMs = 10_000): ProgressSink {
  return throttled(intervalMs, (p) => stream.write(`${describeProgress(p)}\n`));
}

/** NDJSON progress events on stdout. */
export function jsonProgress(stdout: Writer): ProgressSink {
  return throttled(1000, (p) => stdout.write(`${JSON.stringify({ event: "progress", ...p })}\n`));
}

function throttled(intervalMs: number, emit: (p: ConvertProgress) => void): ProgressSink {
  let lastAt = 0;
  let lastPhase: ConvertProgress["phase"] | undefined;
  let pending: ConvertProgress | undefined;
  return {
    update(p) {
      const now = Date.now();
      if (p.phase !== lastPhase || now - lastAt >= intervalMs) {
        emit(p);
        lastAt = now;
        lastPhase = p.phase;
        pending = undefined;
      } else {
        pending = p;
      }
    },
    stop() {
      if (pending !== undefined) emit(pending);
      pending = undefined;
    },
  };
}
