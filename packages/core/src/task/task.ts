import { TaskDefinitionError } from "../errors.js";
import type { TaskRef } from "../protocol.js";
import { watchEvaluation } from "./evaluating.js";

/** What a running task knows about its invocation. */
export interface TaskContext {
  /** The input's position in the map call. */
  readonly index: number;
  /** 1 on the first try, 2 on the first retry, … */
  readonly attempt: number;
  /** Aborted when the map is cancelled: long tasks should listen to it. */
  readonly signal: AbortSignal;
  /** The worker running the task, as errors name it ("thread 3", "pid 4242"). */
  readonly worker: string;
}

export type TaskFn<I, O> = (input: I, context: TaskContext) => O | Promise<O>;

// A registry symbol, not a module-local one: a worker may load a second copy
// of core (a bundled agent), and both copies must recognise each other's tasks.
const TASK = Symbol.for("parazarr.task");

/** A function a worker can find by itself: its module URL and export name. */
export interface Task<I = any, O = unknown> extends TaskRef {
  readonly [TASK]: true;
  readonly fn: TaskFn<I, O>;
}

export type TaskInput<T> = T extends Task<infer I, any> ? I : never;
export type TaskOutput<T> = T extends Task<any, infer O> ? Awaited<O> : never;

/**
 * Declares a task. The module must export it under the same name:
 *
 *     export const square = task(import.meta.url, "square", (x: number) => x * x);
 */
export function task<I, O>(moduleUrl: string, name: string, fn: TaskFn<I, O>): Task<I, O> {
  if (typeof moduleUrl !== "string" || !URL.canParse(moduleUrl)) {
    throw new TaskDefinitionError(
      `task(moduleUrl, name, fn): moduleUrl must be a URL such as import.meta.url, got ${JSON.stringify(moduleUrl)}`,
    );
  }
  if (typeof name !== "string" || name.length === 0) {
    throw new TaskDefinitionError(
      `task(moduleUrl, name, fn): name must be the export name of the task, got ${JSON.stringify(name)}`,
    );
  }
  if (typeof fn !== "function") {
    throw new TaskDefinitionError(`task "${name}": fn must be a function, got ${typeof fn}`);
  }
  watchEvaluation(moduleUrl);
  return Object.freeze({ [TASK]: true as const, moduleUrl, name, fn });
}

export function isTask(value: unknown): value is Task {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[TASK] === true;
}

export function describeTask(t: TaskRef): string {
  return t.name;
}
