/**
 * Tasks the conformance suite runs on every backend. They live in core (and
 * compile to dist) so that any worker — a thread, a process, a host — can
 * import them by URL like any user task.
 */
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleepMs } from "node:timers/promises";
import { TransientError } from "../errors.js";
import { task } from "../task/task.js";
import { transfer } from "../worker/transfer.js";
import { open, read, writeRegion } from "../zarr/index.js";

export const square = task(import.meta.url, "square", (x: number) => x * x);

export const identity = task(import.meta.url, "identity", <T>(x: T) => x);

export const whichWorker = task(import.meta.url, "whichWorker", (_: unknown, ctx) => ctx.worker);

/**
 * Made once per copy of this module. A worker imports it once and keeps it,
 * so an equal value means the same worker; a restarted or replaced worker
 * imports it afresh. An in-process plan runs the caller's own copy.
 */
export const MODULE_COPY = randomUUID();

/** The worker's name and its copy of this module, after `ms` (so every worker gets a share of a map). */
export const whichWorkerCopy = task(import.meta.url, "whichWorkerCopy", async (ms: number, ctx) => {
  await sleepMs(ms, undefined, { signal: ctx.signal });
  return `${ctx.worker} ${MODULE_COPY}`;
});

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

/** Returns a new array of twice the input: 64 MiB in, 64 MiB out, given away (moved, not copied). */
export const doubled = task(import.meta.url, "doubled", (input: Float32Array) => {
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! * 2;
  return transfer(out);
});

/** Returns something structured clone cannot copy. */
export const returnsFunction = task(import.meta.url, "returnsFunction", () => ({ callback: () => 1 }));

export const notExportedUnderItsName = task(import.meta.url, "someOtherName", (x: number) => x);

/** A table the task module keeps for itself: returning it must not hand it over. */
export const moduleTable = new Float64Array([1, 2, 3, 4]);

export const returnsModuleTable = task(import.meta.url, "returnsModuleTable", () => ({ table: moduleTable }));

/** A fresh array the task gives away with transfer(). */
export const returnsGivenAway = task(import.meta.url, "returnsGivenAway", (n: number) =>
  transfer({ block: Float64Array.from({ length: n }, (_, i) => i * 2) }),
);

/** Throws an error whose enumerable field `detail` has a getter that throws. */
export const throwsUnreadableField = task(import.meta.url, "throwsUnreadableField", () => {
  const error = Object.assign(new Error("the cell is bad"), { code: "E_BAD_CELL" });
  Object.defineProperty(error, "detail", {
    enumerable: true,
    get() {
      throw new Error("detail cannot be read");
    },
  });
  throw error;
});

/** Throws an error whose `message` getter throws. */
export const throwsUnreadableMessage = task(import.meta.url, "throwsUnreadableMessage", () => {
  const error = new RangeError("unused");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("message cannot be read");
    },
  });
  throw error;
});

/** 20,000 good objects, then one that cannot be sent back. */
export const returnsFunctionLate = task(import.meta.url, "returnsFunctionLate", (n: number) => {
  const rows: Array<{ row: number } | { row: number; format: () => string }> = Array.from({ length: n }, (_, row) => ({ row }));
  rows.push({ row: n, format: () => "late" });
  return rows;
});

/**
 * A task that does Zarr I/O itself: reads a band of rows from `source`
 * and writes it, times ten, into the same rows of `target`.
 */
export const scaleBand = task(
  import.meta.url,
  "scaleBand",
  async (input: { root: string; rows: [number, number] }) => {
    const source = await open(input.root, "source");
    const target = await open(input.root, "target");
    const band = await read(source, [input.rows, null]);
    const scaled = Float32Array.from(band.data as Float32Array, (v) => v * 10);
    const receipt = await writeRegion(target, [input.rows, null], scaled);
    return receipt.chunksWritten;
  },
);

/** How many times this worker imported the conformance set-up module (see setup-module.ts). */
export const setupImports = task(
  import.meta.url,
  "setupImports",
  () => (globalThis as { [key: symbol]: unknown })[Symbol.for("parazarr.conformance.setup")] ?? 0,
);

/** Gives away a module-level buffer it keeps: the second call returns it detached. */
const keptButGiven = new Float64Array([5, 6, 7]);
export const givesAwayKeptBuffer = task(import.meta.url, "givesAwayKeptBuffer", () => transfer({ kept: keptButGiven }));

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
