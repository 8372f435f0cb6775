/**
 * One worker process, seen from the caller: fork it and learn when it is
 * ready, send it messages, learn of its results and of its death, stop it.
 * It knows nothing of queues or jobs; the pool does.
 */
import type { Worker } from "node:cluster";
import { once } from "node:events";
import { match } from "ts-pattern";
import { PlanError, checkProtocolVersion, isFromWorker, type FromWorker, type ToWorker } from "@parazarr/core/backend";
import { describeExit, type ExitReason } from "./exit-reason.js";
import { forkWorker, type ForkSpec } from "./fork.js";
import { StderrForward } from "./stderr-forward.js";
import { StderrTail } from "./stderr-tail.js";

export type BatchResult = Extract<FromWorker, { type: "batch-result" }>;

export interface WorkerSpec extends ForkSpec {
  /** The plan's description, for start-up errors. */
  readonly plan: string;
  readonly heapLimitMb: number | undefined;
}

export interface WorkerEvents {
  onResult(result: BatchResult): void;
  /** A batch it was told to cancel is over; the worker is free. */
  onCancelled(batchId: number): void;
  /** It died, or broke the protocol, after it was ready. Not called after `kill()` or `shutdown()`. */
  onLost(reason: ExitReason): void;
}

// Generous: a cold start on a loaded machine, with a TypeScript loader.
const START_TIMEOUT_MS = 30_000;
// A worker's stderr may still hold its last words when 'exit' fires.
const STDERR_DRAIN_MS = 300;

export class WorkerProcess {
  readonly pid: number;
  readonly name: string;
  /** Resolves once it answered `ready`; rejects with a PlanError (and the worker's own words) if it died first. */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its stderr has been read. */
  readonly exited: Promise<ExitReason>;
  readonly #worker: Worker;
  readonly #stderr = new StderrTail();
  readonly #forward = new StderrForward();
  #isReady = false;
  #refd: boolean | undefined;
  #readyAt = Number.NaN;
  #expectedExit = false;
  #events: WorkerEvents | undefined;

  /** Forks a worker now; nothing may be sent to it before `ready` resolves. */
  constructor(spec: WorkerSpec, events: WorkerEvents) {
    this.#events = events;
    this.#worker = forkWorker(spec);
    const child = this.#worker.process;
    this.pid = child.pid ?? -1;
    this.name = `pid ${this.pid}`;
    // The stderr pipe never keeps the caller alive; the IPC channel does, while there is work.
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    child.stderr?.on("data", (chunk: Buffer) => {
      this.#stderr.add(chunk);
      this.#forward.add(chunk);
    });
    child.stderr?.on("close", () => this.#forward.flush());
    // cluster re-emits the child's 'error' (a failed send or kill) on the
    // worker object; unheard, it would be thrown in the caller.
    this.#worker.on("error", () => {});
    this.exited = this.#watchExit(spec.heapLimitMb);
    this.ready = this.#waitReady(spec.plan);
    // Whoever awaits `ready` handles its failure; a pool that stopped caring must not crash the caller.
    this.ready.catch(() => {});
    this.setRef(true);
  }

  /**
   * Sends a message; throws a DataCloneError when an input cannot be
   * serialized. `undelivered` is called if the message never reached the
   * process: it was already dead (EPIPE) or its channel closed. The 'exit'
   * that follows reports the loss itself, with its real cause.
   */
  send(message: ToWorker, undelivered: () => void = () => {}): void {
    try {
      this.#worker.send(message, (error: Error | null) => {
        if (error) undelivered();
      });
    } catch (error) {
      throw asCloneError(error);
    }
  }

  /** Milliseconds since it answered `ready` (NaN before). */
  get upMs(): number {
    return performance.now() - this.#readyAt;
  }

  /** False once its IPC channel closed: it died, or is about to. */
  get connected(): boolean {
    return this.#worker.isConnected();
  }

  /** Whether this worker keeps the caller's event loop alive: only while there is work for it. */
  setRef(on: boolean): void {
    // Called on every state change of the pool: skip the handle calls when nothing changes.
    if (this.#refd === on) return;
    this.#refd = on;
    const child = this.#worker.process;
    const channel = child.channel as { ref?: () => void; unref?: () => void } | null | undefined;
    if (on) {
      child.ref();
      channel?.ref?.();
    } else {
      child.unref();
      channel?.unref?.();
    }
  }

  /**
   * Stops it now; its exit is not reported as a loss. It holds a reference on
   * the event loop until it has exited (a SIGKILLed process exits at once):
   * whoever awaits `exited` (close(), a preempted batch) would otherwise see
   * the loop run dry first, and Node quit with exit code 13.
   */
  kill(): void {
    this.#expectedExit = true;
    this.setRef(true);
    const child = this.#worker.process;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  /** Asks it to finish and exit; kills it if it has not within `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    this.#expectedExit = true;
    if (this.#isReady && this.#worker.isConnected()) this.#worker.send({ type: "shutdown" }, () => {});
    const timer = setTimeout(() => this.kill(), this.#isReady ? graceMs : 0);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #waitReady(plan: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new PlanError(`${plan}: worker ${this.name} did not start within ${START_TIMEOUT_MS / 1000} s`));
        this.kill();
      }, START_TIMEOUT_MS);
      timer.unref();
      this.#worker.process.on("message", (raw: unknown) => this.#onMessage(raw, resolve, reject, timer));
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(this.#startError(plan, exit));
      });
    });
  }

  #onMessage(raw: unknown, resolveReady: () => void, rejectReady: (error: unknown) => void, startTimer: NodeJS.Timeout): void {
    if (!isFromWorker(raw)) {
      this.#broken("sent a message that is not part of the protocol");
      return;
    }
    match(raw as FromWorker)
      .with({ type: "ready" }, (ready) => {
        clearTimeout(startTimer);
        try {
          checkProtocolVersion(ready, `worker ${this.name}`);
        } catch (error) {
          rejectReady(error);
          this.kill();
          return;
        }
        this.#isReady = true;
        this.#readyAt = performance.now();
        resolveReady();
      })
      .with({ type: "batch-result" }, (result) => this.#events?.onResult(result))
      .with({ type: "batch-cancelled" }, ({ batchId }) => this.#events?.onCancelled(batchId))
      .with({ type: "fatal" }, ({ error }) => this.#broken(`reported a fatal error: ${error.name}: ${error.message}`))
      .exhaustive();
  }

  /** A worker that breaks the protocol cannot be trusted with more work. */
  #broken(why: string): void {
    const events = this.#events;
    this.kill();
    if (this.#isReady) events?.onLost({ reason: `${this.name} ${why}`, details: { pid: this.pid } });
  }

  async #watchExit(heapLimitMb: number | undefined): Promise<ExitReason> {
    const child = this.#worker.process;
    // A process that could not even be spawned (EAGAIN, say) never emits 'exit', only 'error'.
    const ended = child.pid === undefined ? once(child, "error").then(() => [null, null]) : once(child, "exit");
    const [code, signal] = (await ended) as [number | null, NodeJS.Signals | null];
    const stderr = child.stderr;
    if (stderr && !stderr.closed) {
      const drained = new Promise((resolve) => setTimeout(resolve, STDERR_DRAIN_MS).unref());
      await Promise.race([once(stderr, "close"), drained]);
    }
    const reason = describeExit({ pid: this.pid, code, signal }, this.#stderr, heapLimitMb);
    if (this.#isReady && !this.#expectedExit) this.#events?.onLost(reason);
    this.#events = undefined;
    return reason;
  }

  #startError(plan: string, exit: ExitReason): PlanError {
    const how = exit.details.signal !== undefined ? `killed by ${exit.details.signal}` : `exit code ${exit.details.exitCode}`;
    const cause = this.#stderr.errorLine;
    const said = this.#stderr.lastLines(12);
    return new PlanError(
      `${plan}: a worker process failed to start (${how}) and is not restarted` +
        (cause === undefined ? "" : `: ${cause}`) +
        (said.length > 0 ? `\n--- its stderr, last lines ---\n${said}` : ""),
    );
  }
}

/**
 * With `serialization: "advanced"`, `send` throws a plain Error ("… could
 * not be cloned") for a function or a symbol; core's scheduler recognises a
 * DataCloneError and then names the input at fault.
 */
function asCloneError(error: unknown): unknown {
  if (!(error instanceof Error) || !/could not be cloned|DataCloneError/i.test(`${error.name} ${error.message}`)) return error;
  const clone = new Error(error.message, { cause: error });
  clone.name = "DataCloneError";
  return clone;
}
