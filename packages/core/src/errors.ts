/**
 * Every error parazarr raises on purpose is a tagged class, so callers can
 * match on `_tag` (with ts-pattern) or use a guard instead of parsing messages.
 */
import { redactText, scrubError } from "./redact.js";

export abstract class ParazarrError extends Error {
  abstract readonly _tag: string;
  // Scrubbed here, once for every subclass: the stack is built from the
  // message in super(), and a cause (an SDK's or Node's error) may repeat a
  // URL's user info or an environment credential in any of its fields.
  constructor(message?: string, options?: { cause?: unknown }) {
    super(redactText(message ?? ""), options !== undefined && "cause" in options ? { cause: scrubError(options.cause) } : options);
  }
}

/** A plan option was given a value it does not allow. */
export class PlanError extends ParazarrError {
  readonly _tag = "PlanError" as const;
  constructor(
    message: string,
    readonly option?: string,
    readonly value?: unknown,
  ) {
    super(message);
    this.name = "PlanError";
  }
}

/** Something handed to `map` is not a task a worker can find on its own. */
export class TaskDefinitionError extends ParazarrError {
  readonly _tag = "TaskDefinitionError" as const;
  constructor(message: string) {
    super(message);
    this.name = "TaskDefinitionError";
  }
}

/** An input (or a result) cannot cross a thread, process or host boundary. */
export class CloneError extends ParazarrError {
  readonly _tag = "CloneError" as const;
  constructor(
    message: string,
    readonly index: number,
    readonly path: string,
    readonly valueType: string,
  ) {
    super(message);
    this.name = "CloneError";
  }
}

export interface TaskErrorDetails {
  task: string;
  index: number;
  plan: string;
  worker: string;
  attempt: number;
  attempts: number;
}

/** A task failed for good: after every retry it was allowed. */
export class TaskError extends ParazarrError {
  readonly _tag: "TaskError" | "WorkerCrashedError" = "TaskError";
  readonly task: string;
  readonly index: number;
  readonly plan: string;
  readonly worker: string;
  readonly attempt: number;

  constructor(details: TaskErrorDetails, cause: unknown, what = "failed") {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `task "${details.task}" ${what} on input ${details.index} ` +
        `(plan ${details.plan}, ${details.worker}, attempt ${details.attempt} of ${details.attempts}): ${reason}`,
      { cause },
    );
    this.name = "TaskError";
    this.task = details.task;
    this.index = details.index;
    this.plan = details.plan;
    this.worker = details.worker;
    this.attempt = details.attempt;
  }
}

export interface CrashDetails {
  worker: string;
  pid?: number | undefined;
  signal?: string | undefined;
  exitCode?: number | undefined;
  reason: string;
}

/**
 * The worker running a task died (process.exit, out of memory, killed from
 * outside). Only the tasks on that worker fail; they are retried when the
 * map allows retries.
 */
export class WorkerCrashedError extends TaskError {
  override readonly _tag = "WorkerCrashedError" as const;
  readonly pid: number | undefined;
  readonly signal: string | undefined;
  readonly exitCode: number | undefined;

  constructor(details: TaskErrorDetails, crash: CrashDetails) {
    super(details, new Error(crash.reason), "lost its worker");
    this.name = "WorkerCrashedError";
    this.pid = crash.pid;
    this.signal = crash.signal;
    this.exitCode = crash.exitCode;
  }
}

/**
 * A worker speaks another version of the worker protocol than this
 * coordinator: two different @parazarr/core copies are installed (one for
 * the caller, one a backend resolved for itself, or a stale remote one).
 */
export class ProtocolVersionError extends ParazarrError {
  readonly _tag = "ProtocolVersionError" as const;
  constructor(
    readonly worker: string,
    readonly expected: number,
    readonly actual: unknown,
  ) {
    super(
      `${worker} speaks parazarr worker protocol ${actual === undefined ? "(none: older than version 1)" : String(actual)}, ` +
        `but this coordinator speaks protocol ${expected}: the caller and its workers load different @parazarr/core versions; ` +
        "install one (`npm ls @parazarr/core` lists the copies)",
    );
    this.name = "ProtocolVersionError";
  }
}

/** The map was cancelled through its AbortSignal. */
export class AbortError extends ParazarrError {
  readonly _tag = "AbortError" as const;
  constructor(message = "the operation was aborted", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AbortError";
  }
}

/**
 * The plan a map ran on was closed (by `close()`, or by `setPlan` replacing
 * it) before the map finished: its running tasks were told to stop through
 * their signal, and nothing more of it runs.
 */
export class PlanClosedError extends ParazarrError {
  readonly _tag = "PlanClosedError" as const;
  constructor(readonly plan: string) {
    super(`plan ${plan} was closed while this map was running; its unfinished tasks were stopped`);
    this.name = "PlanClosedError";
  }
}

/**
 * Throw (or wrap) this inside a task to say the failure may go away on its
 * own (a dropped connection, a throttled request): `retries` applies to it.
 */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

/** The failures of a map run with `errors: "collect"`. */
export class MapFailures extends AggregateError {
  readonly _tag = "MapFailures" as const;
  declare readonly errors: TaskError[];
  constructor(errors: TaskError[], total: number) {
    super(errors, `${errors.length} of ${total} tasks failed`);
    this.name = "MapFailures";
  }
}

type Tagged = { readonly _tag: string };

/** Whether a value carries `_tag === tag`: the one test every guard is built on. */
export function hasTag(value: unknown, tag: string): boolean {
  return typeof value === "object" && value !== null && (value as Partial<Tagged>)._tag === tag;
}

// Guards match on the tag, not instanceof: a worker-side bundle or a test
// runner may load a second copy of this module.
export const isTaskError = (e: unknown): e is TaskError =>
  hasTag(e, "TaskError") || hasTag(e, "WorkerCrashedError");
export const isWorkerCrashedError = (e: unknown): e is WorkerCrashedError =>
  hasTag(e, "WorkerCrashedError");
export const isAbortError = (e: unknown): e is AbortError => hasTag(e, "AbortError");
export const isPlanError = (e: unknown): e is PlanError => hasTag(e, "PlanError");
export const isPlanClosedError = (e: unknown): e is PlanClosedError => hasTag(e, "PlanClosedError");
export const isTaskDefinitionError = (e: unknown): e is TaskDefinitionError =>
  hasTag(e, "TaskDefinitionError");
export const isCloneError = (e: unknown): e is CloneError => hasTag(e, "CloneError");
export const isProtocolVersionError = (e: unknown): e is ProtocolVersionError => hasTag(e, "ProtocolVersionError");

/** True when retrying may help: marked transient by the task. */
export function isTransient(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { transient?: unknown }).transient === true
  );
}
