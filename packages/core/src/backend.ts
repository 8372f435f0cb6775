/**
 * The one contract a backend implements. Everything else (retries,
 * batching, ordering, progress, backpressure, cancellation policy) lives
 * once in core's scheduler (`map/`), never in a backend.
 *
 * A backend package exports a factory that returns `definePlan({...})`:
 *
 *     export function threads(n = availableParallelism()): Plan {
 *       return definePlan({
 *         description: `threads(${n})`,
 *         capabilities: { inProcess: false, survivesCrash: true, ... },
 *         start: async () => new ThreadsBackend(n),
 *       });
 *     }
 */
import type { BatchMessage, ItemOutcome } from "./protocol.js";
import type { Task } from "./task/task.js";

/** What a plan can do; the conformance suite skips what a backend lacks. */
export interface Capabilities {
  /** Tasks run in the caller's own thread: plain closures are allowed. */
  readonly inProcess: boolean;
  /** A task that kills its worker (process.exit, out of memory) fails alone; the plan recovers. */
  readonly survivesCrash: boolean;
  /** A running task is stopped on cancel, not only told through its signal. */
  readonly preemptsRunning: boolean;
  /** Workers share the caller's memory: SharedArrayBuffer outputs are seen by the caller. */
  readonly sharedMemory: boolean;
  /** Workers may run on other machines: `file://` stores must be on a shared filesystem. */
  readonly remote: boolean;
  /**
   * For remote plans: absolute local paths that every worker sees at the
   * same path with the same files (an NFS mount). Zarr calls refuse a
   * `file://` store outside them, since each host would read and write its
   * own disk. Absent: none.
   */
  readonly sharedFilesystem?: readonly string[];
  /*
   * What remote and high-latency plans (Batch, Slurm) declare so that core
   * adapts to them instead of each backend batching, retrying or timing out
   * on its own. Every one is optional; absent means a fast local plan.
   */
  /**
   * Typical wall time of dispatching one batch and getting its answer,
   * beyond the work (ms): Batch ≈ 200–1000, ssh ≈ 1–5, threads ≈ 0.05. The
   * batch sizer starts from it, so the first real batches are already worth
   * their dispatch instead of thousands of one-item messages while it
   * measures. Absent: measured only.
   */
  readonly dispatchMs?: number;
  /** Concurrency changes while a map runs (workers start late, are lost, are replaced). Default false. */
  readonly elastic?: boolean;
  /** Workers live across batches and maps (warm store connections, loaded modules). Default true. */
  readonly persistentWorkers?: boolean;
  /**
   * How long until a cancel reaches a running task's `ctx.signal`, at worst
   * (ms): a message through S3 is polled for. The conformance suite waits
   * this much longer for a cancel to be seen. Default 0 (immediate).
   */
  readonly cancelLatencyMs?: number;
  /**
   * How long the first worker may take to start (ms): a Batch child pulls
   * its image, a Slurm job waits in the queue. The conformance suite adds
   * it to every wait for a worker to start. Default 0.
   */
  readonly startupMs?: number;
}

/**
 * Cancellation, one policy for every plan (core decides, a backend carries
 * it out): when the scheduler gives up on a batch, `signal` fires and the
 * backend passes that on to the running task's `ctx.signal` (and drops the
 * batch if it has not started). One grace period later (the map's
 * `cancelGraceMs`) `stop` fires: a task still running is stopped by force
 * (its thread ended, its process killed). `stop` after the batch is over
 * is ignored.
 */
export interface BatchHooks {
  /** Aborted when the scheduler cancels this batch (map cancelled, fail-fast, plan closed). */
  readonly signal: AbortSignal;
  /** Aborted one grace period after `signal`: stop what still runs by force. */
  readonly stop: AbortSignal;
  /** Report one item's outcome; every item is reported at most once. */
  report(outcome: ItemOutcome, worker: string): void;
  /** The task itself, for in-process backends; others resolve `batch.task` in the worker. */
  readonly localTask: Task;
}

/** A started backend. `definePlan` starts it lazily, on first use, once. */
export interface Backend {
  /**
   * Batches that can run right now (live workers × tasks per worker). May
   * change while a map runs when `capabilities.elastic` (a getter is fine);
   * the scheduler re-reads it whenever it dispatches. At 0 (no worker has
   * started yet) the backend still accepts batches and queues them until a
   * worker arrives.
   */
  readonly concurrency: number;
  /**
   * What an elastic backend is heading for (the workers it asked for): Zarr
   * calls and the batch sizer split work for this many, not for the few that
   * happen to run already. Absent: `concurrency`.
   */
  readonly targetConcurrency?: number;
  /**
   * Elastic backends call `listener` whenever `concurrency` changes, so a
   * map fills a new worker at once instead of at its next finished batch.
   * Returns the unsubscribe.
   */
  onConcurrencyChange?(listener: () => void): () => void;
  /**
   * Runs a batch and reports each item's outcome through `hooks.report`.
   * Resolves when every item was reported. Rejects with `WorkerLostError`
   * when the worker died (items not reported yet fail as crashed), with the
   * abort reason when `hooks.signal` fired, or with a DataCloneError when an
   * input could not be sent.
   */
  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void>;
  /** Stops every worker and releases every handle. Called at most once per start. */
  close(): Promise<void>;
}

/**
 * A plan described as plain data, so that another level of a plan stack can
 * recreate it where it runs (an SSH host builds the inner `threads(4)` of
 * `[ssh({ hosts }), threads(4)]` from `{ backend: "threads", workers: 4 }`).
 */
export interface PlanSpec {
  /** "sequential", "threads", "processes", … */
  readonly backend: string;
  /** Workers at this level. */
  readonly workers: number;
  /**
   * Every other option the plan was made with, as plain data: the level
   * that recreates it honours each one, or refuses the plan naming those
   * it cannot (an option is never dropped silently).
   */
  readonly options?: Readonly<Record<string, unknown>>;
}

export interface PlanDefinition {
  /** How the plan prints itself: `threads(8)`. */
  readonly description: string;
  readonly capabilities: Capabilities;
  /** Starts the workers. Called lazily, on the first map that needs them. */
  start(): Promise<Backend>;
  /** This plan as data, when another plan can run it as its inner level. */
  readonly spec?: PlanSpec;
  /**
   * For plans that distribute (SSH hosts, Batch): the definition of this
   * plan running `inner` on each of its machines. Throws a PlanError for an
   * inner level it cannot run. Absent: the plan cannot be an outer level.
   */
  nest?(inner: PlanSpec, innerDescription: string): Omit<PlanDefinition, "description" | "nest">;
}

/**
 * How many workers a map splits its work for: the target of an elastic
 * backend (work sized for the one worker already up would be one huge
 * task), never below 1 (a backend at 0 has no worker yet, not no plan).
 */
export function sizingConcurrency(backend: Backend): number {
  return Math.max(1, backend.targetConcurrency ?? backend.concurrency);
}

/** A backend's way to say its worker died under a batch. */
export class WorkerLostError extends Error {
  readonly _tag = "WorkerLostError" as const;
  constructor(
    readonly reason: string,
    readonly worker: string,
    readonly details: { pid?: number; signal?: string; exitCode?: number } = {},
  ) {
    super(`${worker} was lost: ${reason}`);
    this.name = "WorkerLostError";
  }
}

export const isWorkerLostError = (e: unknown): e is WorkerLostError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "WorkerLostError";
