/**
 * Every message that crosses a boundary between the scheduler and a worker
 * (a thread, a process, a host, a Batch child). Both sides import only this
 * file: the worker runtime never imports the scheduler, and the reverse.
 *
 * Messages from another process are checked with `isMatching` on arrival,
 * and every union is matched exhaustively, so adding a message type is a
 * compile error until each side handles it.
 */
import { P, isMatching } from "ts-pattern";

/**
 * The version of these messages. A worker states it in its first message
 * (`ready`); the backend refuses a worker that speaks another one, so two
 * copies of @parazarr/core (a backend resolving its own) fail loudly at
 * start instead of misreading each other's messages. Bump it whenever a
 * message changes shape.
 */
export const PROTOCOL_VERSION = 1;

/** Where a worker finds a task on its own: module URL + export name. */
export interface TaskRef {
  readonly moduleUrl: string;
  readonly name: string;
}

/** One invocation: the input at `index` of the map call, on its `attempt`. */
export interface WorkItem {
  readonly index: number;
  readonly input: unknown;
  readonly attempt: number;
}

/** An error as it travels: class name, message, stack and own fields survive. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly fields: Record<string, unknown>;
  readonly cause?: WireError | undefined;
}

export type ItemOutcome =
  | { readonly type: "value"; readonly index: number; readonly value: unknown; readonly workMs: number }
  | { readonly type: "error"; readonly index: number; readonly error: WireError; readonly workMs: number };

/** Scheduler → worker. */
export type ToWorker =
  | {
      readonly type: "batch";
      readonly batchId: number;
      readonly task: TaskRef;
      readonly items: readonly WorkItem[];
      /** Set-up modules (see `everywhere`) the worker imports, once each, before it runs the task. */
      readonly setup?: readonly string[] | undefined;
    }
  /** core's cancel, step one: the batch's running task sees `ctx.signal` fire; a queued batch is dropped. */
  | { readonly type: "cancel"; readonly batchId: number }
  /**
   * Step two, one grace period later: the batch, if it still runs, is ended
   * by force. Only a worker's parent can do that (an SSH agent ends the
   * thread); a worker loop that gets it can only repeat the cancel.
   */
  | { readonly type: "stop"; readonly batchId: number }
  | { readonly type: "shutdown" };

export type BatchMessage = Extract<ToWorker, { type: "batch" }>;

export interface WorkerInfo {
  /** A name users can read in errors: "thread 3", "pid 4242", "h1 pid 4242". */
  readonly worker: string;
  readonly pid: number;
  readonly cores: number;
}

/** Worker → scheduler. */
export type FromWorker =
  | { readonly type: "ready"; readonly protocol: number; readonly info: WorkerInfo }
  | {
      readonly type: "batch-result";
      readonly batchId: number;
      readonly worker: string;
      readonly outcomes: readonly ItemOutcome[];
    }
  /**
   * Answers a `cancel`: the batch is over (dropped from the queue, or it
   * stopped after its signal fired) and the worker is free. A batch that
   * finished before the cancel arrived is answered by its `batch-result`.
   */
  | { readonly type: "batch-cancelled"; readonly batchId: number }
  | { readonly type: "fatal"; readonly error: WireError };

const wireErrorPattern = { name: P.string, message: P.string, fields: P.any };

const outcomePattern = P.union(
  { type: "value" as const, index: P.number, workMs: P.number, value: P.any },
  { type: "error" as const, index: P.number, workMs: P.number, error: wireErrorPattern },
);

/** Checks a message that arrived from another process before it is trusted. */
export const isFromWorker = isMatching(
  P.union(
    // `protocol` is not checked here: a worker that states another version
    // (or none, before versions existed) must get ProtocolVersionError, not
    // "not part of the protocol".
    { type: "ready" as const, info: { worker: P.string, pid: P.number, cores: P.number } },
    { type: "batch-result" as const, batchId: P.number, worker: P.string, outcomes: P.array(outcomePattern) },
    { type: "batch-cancelled" as const, batchId: P.number },
    { type: "fatal" as const, error: wireErrorPattern },
  ),
);

export const isToWorker = isMatching(
  P.union(
    {
      type: "batch" as const,
      batchId: P.number,
      task: { moduleUrl: P.string, name: P.string },
      items: P.array({ index: P.number, attempt: P.number, input: P.any }),
      setup: P.optional(P.array(P.string)),
    },
    { type: "cancel" as const, batchId: P.number },
    { type: "stop" as const, batchId: P.number },
    { type: "shutdown" as const },
  ),
);
