/**
 * Running a chunk group in the caller instead of on a worker must not
 * change what the caller sees when it fails: a failure is the same
 * TaskError (with the same cause) that `map` would have raised, and a
 * cancellation is the same AbortError.
 */
import { AbortError, TaskError } from "../errors.js";
import type { Plan } from "../plan/plan.js";

export async function runInline<T>(
  what: { task: string; index: number; plan: Plan; signal: AbortSignal | undefined },
  run: () => Promise<T>,
): Promise<T> {
  const aborted = () => new AbortError(`${what.task} was aborted`, { cause: what.signal?.reason });
  if (what.signal?.aborted) throw aborted();
  try {
    return await run();
  } catch (error) {
    if (what.signal?.aborted) throw aborted();
    throw new TaskError(
      { task: what.task, index: what.index, plan: String(what.plan), worker: "main (inline)", attempt: 1, attempts: 1 },
      error,
    );
  }
}
