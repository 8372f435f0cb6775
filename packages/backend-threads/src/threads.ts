import { EventEmitter } from "node:events";
import { availableParallelism } from "node:os";
import { BroadcastChannel, type ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import {
  WorkerLostError,
  checkWorkers,
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

type BatchResult = Extract<FromWorker, { type: "batch-result" }>;

/**
 * What piscina (5.3.2) listens on to end a running task's thread: core's
 * `stop`, passed on. An EventEmitter, which piscina also accepts, because
 * an AbortSignal listener costs microseconds (Node 20's EventTarget) and
 * piscina adds one to every task it runs.
 */
class Stopper extends EventEmitter {
  aborted = false;
  stop(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }
}

// Each pool's cancel channel is its own: two plans never see each other's cancels.
let nextPool = 1;

/**
 * Cancellation goes to the threads on a BroadcastChannel: piscina offers no
 * way to message the thread running a given task (its abort signal ends
 * the thread, which is the *second* step of core's policy, on `hooks.stop`).
 * Every thread hears every cancel and acts on the batch ids it holds; batch
 * ids are unique in this process.
 */
class ThreadsBackend implements Backend {
  constructor(
    readonly concurrency: number,
    private readonly pool: Piscina,
    private readonly cancels: BroadcastChannel,
  ) {}

  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    if (hooks.signal.aborted) return Promise.reject(hooks.signal.reason);
    const stopper = new Stopper();
    return new Promise<void>((resolve, reject) => {
      // The batch is rejected when piscina's run settles (the task ended,
      // saw its signal, or its thread was ended at stop), not when the cancel
      // goes out: a cancelled write's chunks pass to the next write only when
      // no task of it can still store one (core's Scheduler.settled()).
      const onCancel = () => {
        this.cancels.postMessage(batch.batchId);
        // Cancels are rare: listening for `stop` only now keeps it off every batch's path.
        if (hooks.stop.aborted) stopper.stop();
        else hooks.stop.addEventListener("abort", () => stopper.stop(), { once: true });
      };
      hooks.signal.addEventListener("abort", onCancel, { once: true });
      (this.pool.run(batch, { signal: stopper }) as Promise<BatchResult>).then(
        (reply) => {
          hooks.signal.removeEventListener("abort", onCancel);
          if (hooks.signal.aborted) return reject(hooks.signal.reason);
          for (const outcome of reply.outcomes) hooks.report(outcome, reply.worker);
          resolve();
        },
        (error: unknown) => {
          hooks.signal.removeEventListener("abort", onCancel);
          reject(asWorkerLoss(error, hooks.signal));
        },
      );
    });
  }

  async close(): Promise<void> {
    // destroy, not close: piscina's close waits up to 30 s for running
    // tasks, on a timer that does not hold the event loop. core has already
    // told them to stop (the plan cancels its maps first): end them now.
    this.cancels.close();
    await this.pool.destroy();
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
  const cancelChannel = `parazarr-threads-cancel-${process.pid}-${nextPool++}`;
  const cancels = new BroadcastChannel(cancelChannel);
  // Only sends from this side: it must not keep a script alive.
  cancels.unref();
  const pool = new Piscina({
    filename: WORKER_FILE,
    workerData: { cancelChannel },
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
    cancels.close();
    await pool.destroy();
    throw new PlanError(`threads(${workers}): worker threads failed to start: ${(error as Error).message}`);
  }
  try {
    checkProtocolVersion(ready, `threads(${workers}) worker ${ready.info?.worker ?? "thread"}`);
  } catch (error) {
    cancels.close();
    await pool.destroy();
    throw error;
  }
  return new ThreadsBackend(workers, pool, cancels);
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
  checkWorkers("threads(workers)", "workers", workers);
  if (typeof options !== "object" || options === null) {
    throw new PlanError(`threads(workers, options): options must be an object, got ${describeValue(options)}`, "options", options);
  }
  return definePlan({
    description: `threads(${workers})`,
    capabilities: { inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: true, remote: false },
    start: () => startThreads(workers, options),
    spec: { backend: "threads", workers, options: { ...options } },
  });
}
