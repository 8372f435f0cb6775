/**
 * `parazarr convert INPUT... ARCHIVE`: the whole job (template, then every
 * input) as map tasks on the plan; a rerun resumes. Ends with a summary on
 * stdout (or NDJSON events with --json): files, tasks, chunks, bytes, time,
 * throughput, and every failure with its files.
 */
import { convert, isConvertFailedError, netcdfSources, type ConvertProgress, type ConvertSummary } from "../core-api.js";
import { archiveUrl } from "../archive-url.js";
import { progressSink, retriesOf, templateOptions, type Context, type TemplateFlags } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { expandInputs } from "../inputs.js";
import { onInterrupt } from "../interrupt.js";
import { mb, rate, seconds } from "../units.js";

export interface ConvertFlags extends TemplateFlags {
  inputsFrom?: string;
  retries?: string;
}

interface FailureLine {
  readonly task: string;
  readonly files: readonly string[];
  readonly error: { readonly name: string; readonly message: string };
}

export async function runConvert(args: string[], flags: ConvertFlags, ctx: Context): Promise<ExitCode> {
  const archive = archiveUrl(args.pop()!);
  const options = { ...templateOptions(flags), retries: retriesOf(flags.retries) };
  const inputs = await expandInputs(args, flags.inputsFrom);
  const event = (e: Record<string, unknown>) => ctx.json && ctx.io.stdout.write(`${JSON.stringify(e)}\n`);
  event({ event: "start", command: "convert", archive, inputs: inputs.length, plan: ctx.plan });
  ctx.note(`parazarr: converting ${inputs.length} files into ${archive} on ${ctx.plan}`);
  const sink = progressSink(ctx);
  const interrupt = onInterrupt(ctx.io.stderr, ctx.quiet);
  let last: ConvertProgress | undefined;
  try {
    const summary = await convert(netcdfSources(inputs), archive, {
      ...options,
      signal: interrupt.signal,
      onProgress: (p) => {
        last = p;
        sink.update(p);
      },
    });
    sink.stop();
    report(ctx, summary, []);
    return EXIT.ok;
  } catch (error) {
    sink.stop();
    if (interrupt.interrupted) return interrupted(ctx, last);
    if (!isConvertFailedError(error)) throw error;
    const failures: FailureLine[] = error.failures.map((f) => ({ task: f.task, files: f.files, error: { name: f.error.name, message: f.error.message } }));
    report(ctx, partialSummary(archive, inputs.length, last), failures);
    ctx.note(`parazarr: ${failures.length} tasks failed (listed above); run the same command again to retry them`);
    return EXIT.failures;
  } finally {
    interrupt.dispose();
  }
}

function interrupted(ctx: Context, last: ConvertProgress | undefined): ExitCode {
  const done = last?.phase === "write" ? last.done - last.failed : 0;
  if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ event: "interrupted", tasksDone: done, tasks: last?.total ?? null })}\n`);
  if (!ctx.quiet) {
    ctx.io.stderr.write(`parazarr: interrupted; every task that finished is recorded (${done}, and any that ended while stopping). Run the same command again to resume.\n`);
  }
  return EXIT.interrupted;
}

/** What a failed run did, from its last progress report (convert rejects instead of resolving a summary). */
function partialSummary(archive: string, files: number, p: ConvertProgress | undefined): ConvertSummary {
  return {
    archive,
    files,
    tasks: { total: p?.total ?? 0, written: (p?.done ?? 0) - (p?.skipped ?? 0) - (p?.failed ?? 0), skipped: p?.skipped ?? 0, failed: p?.failed ?? 0 },
    chunksWritten: p?.chunksWritten ?? 0,
    bytesWritten: p?.bytesWritten ?? 0,
    clipped: p?.clipped ?? 0,
    timeSteps: 0,
    first: "",
    last: "",
    elapsedMs: p?.elapsedMs ?? 0,
  };
}

function report(ctx: Context, s: ConvertSummary, failures: readonly FailureLine[]): void {
  const throughput = Number(rate(s.bytesWritten, s.elapsedMs).toFixed(3));
  if (ctx.json) {
    for (const f of failures) ctx.io.stdout.write(`${JSON.stringify({ event: "failure", ...f })}\n`);
    ctx.io.stdout.write(`${JSON.stringify({ event: "summary", ok: failures.length === 0, ...s, throughputMBps: throughput })}\n`);
    return;
  }
  const { bold, red, green } = ctx.out;
  const lines = [
    bold(failures.length === 0 ? green(`converted ${s.files} files into ${s.archive}`) : red(`converted ${s.files} files into ${s.archive}, with ${failures.length} failed tasks`)),
    `  tasks      ${s.tasks.written} written, ${s.tasks.skipped} skipped (done before), ${s.tasks.failed} failed, ${s.tasks.total} in all`,
    `  chunks     ${s.chunksWritten} written, ${mb(s.bytesWritten)}`,
  ];
  if (s.timeSteps > 0) lines.push(`  time       ${s.first} .. ${s.last} (${s.timeSteps} steps)`);
  if (s.clipped > 0) lines.push(`  clipped    ${s.clipped} values out of the template's packing range`);
  lines.push(`  elapsed    ${seconds(s.elapsedMs)}, ${throughput.toFixed(1)} MB/s`);
  for (const f of failures) lines.push(red(`  failed     ${f.task} (${f.files.join(", ")}): ${f.error.message}`));
  if (failures.length > 0) lines.push("Run the same command again to retry the failed tasks; the rest is recorded and skipped.");
  ctx.io.stdout.write(`${lines.join("\n")}\n`);
}
