/** What the conformance cases expect of a call that must fail. */
import { expect } from "vitest";
import { isTaskError, type TaskError } from "../errors.js";

/** What `promise` rejected with; a call that resolves fails the case. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to reject, it resolved");
    },
    (error: unknown) => error,
  );
}

/** The TaskError `promise` rejected with; anything else fails the case. */
export async function taskError(promise: Promise<unknown>): Promise<TaskError> {
  const error = await rejection(promise);
  expect(isTaskError(error), `expected a TaskError, got ${String(error)}`).toBe(true);
  return error as TaskError;
}
