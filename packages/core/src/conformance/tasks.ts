/**
 * Tasks the conformance suite runs on every backend. They live in core (and
 * compile to dist) so that any worker — a thread, a process, a host — can
 * import them by URL like any user task.
 */
import { writeFile } from "node:fs/promises";
import { setTimeout as sleepMs } from "node:timers/promises";
import { TransientError } from "../errors.js";
import { task } from "../task/task.js";

export const square = task(import.meta.url, "square", (x: number) => x * x);

export const identity = task(import.meta.url, "identity", <T>(x: T) => x);

export const whichWorker = task(import.meta.url, "whichWorker", (_: unknown, ctx) => ctx.worker);

/** An error with a class of its own and fields that must survive the trip back. */
export class GridCellError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly cell: { row: number; col: number },
  ) {
    super(message);
    this.name = "GridCellError";
  }
}

export const failOn = task(import.meta.url, "failOn", (input: { value: number; failIf: number }) => {
  if (input.value === input.failIf) {
    throw new GridCellError(`bad cell ${input.value}`, "E_CELL", { row: input.value, col: 7 });
  }
  return input.value;
});

/** Fails with a transient error until `succeedOn` attempts were made; returns the attempt. */
export const flaky = task(import.meta.url, "flaky", (input: { succeedOn: number }, ctx) => {
  if (ctx.attempt < input.succeedOn) throw new TransientError(`flaky: attempt ${ctx.attempt} failed`);
  return ctx.attempt;
});

/** Fails with a permanent error that carries the attempt it failed on. */
export const alwaysFails = task(import.meta.url, "alwaysFails", (_: unknown, ctx) => {
  throw Object.assign(new Error("permanent failure"), { failedAttempt: ctx.attempt });
});

/** Kills its own worker until `succeedOn` attempts were made. */
export const crashUntil = task(import.meta.url, "crashUntil", (input: { succeedOn: number }, ctx) => {
  if (ctx.attempt < input.succeedOn) process.exit(7);
  return ctx.attempt;
});

/** Sleeps (listening to the cancel signal), then leaves a mark that it finished. */
export const sleepThenMark = task(
  import.meta.url,
  "sleepThenMark",
  async (input: { ms: number; markFile?: string }, ctx) => {
    await sleepMs(input.ms, undefined, { signal: ctx.signal });
    if (input.markFile) await writeFile(input.markFile, "finished");
    return input.ms;
  },
);

/** Returns a new array of twice the input: 64 MiB in, 64 MiB out. */
export const doubled = task(import.meta.url, "doubled", (input: Float32Array) => {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! * 2;
  return out;
});

/** Returns something structured clone cannot copy. */
export const returnsFunction = task(import.meta.url, "returnsFunction", () => ({ callback: () => 1 }));

export const notExportedUnderItsName = task(import.meta.url, "someOtherName", (x: number) => x);

export interface CancelProbe {
  /** Written when the task starts: the test knows it is running. */
  readonly startedFile: string;
  /** markOnAbort: written when its signal fires. ignoresSignal: written when it finishes. */
  readonly markFile: string;
  readonly ms: number;
}

/** Leaves `startedFile`, sleeps on its signal, and leaves `markFile` when the signal fires. */
export const markOnAbort = task(import.meta.url, "markOnAbort", async (input: CancelProbe, ctx) => {
  await writeFile(input.startedFile, "started");
  try {
    await sleepMs(input.ms, undefined, { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) await writeFile(input.markFile, "aborted");
    throw error;
  }
  return input.ms;
});

/** Never looks at its signal: leaves `startedFile`, sleeps, then leaves `markFile`. */
export const ignoresSignal = task(import.meta.url, "ignoresSignal", async (input: CancelProbe) => {
  await writeFile(input.startedFile, "started");
  await sleepMs(input.ms);
  await writeFile(input.markFile, "finished");
  return input.ms;
});
