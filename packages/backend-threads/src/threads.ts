import { availableParallelism } from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import {
  WorkerLostError,
  checkCount,
  checkProtocolVersion,
  definePlan,
  describeValue,
  PlanError,
  redactText,
  type Backend,
  type BatchHooks,
  type BatchMessage,
  type FromWorker,
  type Plan,
} from "@parazarr/core/backend";

export interface ThreadsOptions {
  /** Heap limits per worker thread; a worker that exceeds them fails its tasks (and is replaced). */
  resourceLimits?: ResourceLimits;
}

const WORKER_FILE = new URL("./worker.js", import.meta.url).href;

class ThreadsBackend implements Backend {
  constructor(
    readonly concurrency: number,
    private readonly pool: Piscina,
  ) {}

  async runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    let reply: Extract<FromWorker, { type: "batch-result" }>;
    try {
      reply = await this.pool.run(batch, { signal: hooks.signal });
    } catch (error) {
      throw asWorkerLoss(error, hooks.signal);
    }
    for (const outcome of reply.outcomes) hooks.report(outcome, reply.worker);
  }

  async close(): Promise<void> {
    await this.pool.close({ force: true });
  }
}

/**
 * Our worker function never throws (every task error becomes an outcome),
 * so a rejection from piscina means the thread died under the batch, the
 * batch was aborted, or its input could not be cloned.
 */
function asWorkerLoss(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return error;
  // piscina (5.3.2) rejects with a value that is not an Error when a reply
  // cannot be posted (a detached typed array in it: users saw "[object
  // Object]"). core's runtime now names such results first, so this is a
  // last resort; the transfer list never holds a detached buffer, which
  // makes piscina hang instead (see core's worker/transfer.ts).
  if (!(error instanceof Error)) return new Error(`the worker thread's reply could not be received (${describeValue(error)})`);
  if (error.name === "DataCloneError") return error;
  const code = (error as { code?: string }).code;
  const reason = code === "ERR_WORKER_OUT_OF_MEMORY" ? `out of memory (${error.message})` : error.message;
  const exitCode = /exited with code:? (-?\d+)/.exec(error.message)?.[1];
  return new WorkerLostError(reason, "a worker thread", exitCode === undefined ? {} : { exitCode: Number(exitCode) });
}

async function startThreads(workers: number, options: ThreadsOptions): Promise<Backend> {
  const pool = new Piscina({
    filename: WORKER_FILE,
    minThreads: workers,
    maxThreads: workers,
    // An idle worker in Atomics.wait stalls its timers and sockets; ours keep
    // store connections open between batches (piscina 5.x default is 'sync').
    atomics: "disabled",
    ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
  });
  pool.on("error", reportPoolError);
  let ready: Extract<FromWorker, { type: "ready" }>;
  try {
    // One round trip proves the worker entry loads; a thread that cannot
    // start fails this map with its own error instead of respawning in a loop.
    ready = await pool.run(null, { name: "hello" });
  } catch (error) {
    await pool.close({ force: true });
    throw new PlanError(`threads(${workers}): worker threads failed to start: ${(error as Error).message}`);
  }
  try {
    checkProtocolVersion(ready, `threads(${workers}) worker ${ready.info?.worker ?? "thread"}`);
  } catch (error) {
    await pool.close({ force: true });
    throw error;
  }
  return new ThreadsBackend(workers, pool);
}

/**
 * piscina (5.3.2) emits 'error' on the pool, where an unheard 'error' event
 * throws: when a worker dies while idle, when close times out, and when a
 * reply arrives for a task that was aborted — we abort running batches on
 * cancel, so that reply (already on its way) is expected. Tasks are never
 * affected: their promises settle on their own.
 */
function reportPoolError(error: Error): void {
  if (error.message.startsWith("Unexpected message from Worker")) return;
  // An idle worker's last words may repeat a credential (a task's stray timer, an SDK's message).
  process.emitWarning(redactText(`parazarr: threads: ${error.message}`));
}

/** Runs tasks on `workers` worker threads of this process (default: one per core). */
export function threads(workers: number = availableParallelism(), options: ThreadsOptions = {}): Plan {
  checkCount("threads(workers)", "workers", workers, 1);
  if (typeof options !== "object" || options === null) {
    throw new PlanError(`threads(workers, options): options must be an object, got ${describeValue(options)}`, "options", options);
  }
  return definePlan({
    description: `threads(${workers})`,
    capabilities: { inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: true, remote: false },
    start: () => startThreads(workers, options),
    spec: { backend: "threads", workers },
  });
}
