/**
 * The worker runtime: what runs on the far side of every out-of-process
 * backend (a thread, a process, an SSH agent, a Batch child). It receives a
 * batch, resolves the task by module URL and export name, runs each item in
 * turn and describes each outcome. It imports nothing from the scheduler:
 * the only thing both sides share is `protocol.ts`.
 */
import type { BatchMessage, ItemOutcome } from "../protocol.js";
import { resolveTask } from "../task/resolve.js";
import { runSetup } from "../task/setup.js";
import type { Task, TaskContext } from "../task/task.js";
import { findUnsendable } from "./sendable.js";
import { toWireError } from "./wire-error.js";

export interface BatchEnvironment {
  /** The worker's name as errors show it. */
  readonly worker: string;
  /** Fires when the scheduler cancels the batch. */
  readonly signal: AbortSignal;
}

/** Runs every item of a batch, in order, and returns their outcomes. */
export async function runBatch(batch: BatchMessage, env: BatchEnvironment): Promise<ItemOutcome[]> {
  let resolved: Task;
  try {
    // Set-up first: a task module may rely on what it registers (a codec).
    await runSetup(batch.setup);
    resolved = await resolveTask(batch.task);
  } catch (error) {
    const wire = toWireError(error);
    return batch.items.map((item) => ({ type: "error", index: item.index, error: wire, workMs: 0 }));
  }
  const outcomes: ItemOutcome[] = [];
  for (const item of batch.items) {
    if (env.signal.aborted) break;
    outcomes.push(await runItem(resolved, item.index, item.input, item.attempt, env));
  }
  return outcomes;
}

/** Runs one invocation and times it; a throw becomes an error outcome. */
export async function runItem(
  resolved: Task,
  index: number,
  input: unknown,
  attempt: number,
  env: BatchEnvironment,
): Promise<ItemOutcome> {
  const context: TaskContext = { index, attempt, signal: env.signal, worker: env.worker };
  const started = performance.now();
  try {
    const value = await resolved.fn(input, context);
    const workMs = performance.now() - started;
    const unsendable = findUnsendable(value);
    if (unsendable !== undefined) {
      const error = new TypeError(
        `result ${index}${unsendable.path} cannot be sent back: it is a ${unsendable.type}, which structured clone cannot copy`,
      );
      return { type: "error", index, error: toWireError(error), workMs };
    }
    return { type: "value", index, value, workMs };
  } catch (error) {
    return { type: "error", index, error: toWireError(error), workMs: performance.now() - started };
  }
}
