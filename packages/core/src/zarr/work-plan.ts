/**
 * How a read or write is split into tasks. The scheduler batches tasks into
 * messages and retries them; this only decides how many chunks one task
 * holds and when a call is too small to be worth a worker at all.
 */
import type { ZarrArray } from "./array.js";
import { bytesPerElement } from "./dtype.js";
import { AbortError } from "../errors.js";
import { ZarrOptionError } from "./errors.js";
import { product } from "./ndcopy.js";

/**
 * A call runs in the caller when it touches one chunk, or at most
 * INLINE_MAX_BYTES of decoded chunks. Measured on the 2-core machine
 * (bench/zarr-inline.mjs, zstd chunks of 16 KiB … 1 MiB, every read forced
 * onto threads(2) against the same read inline): one chunk costs 1.2–2.4×
 * on a worker; two chunks of 256 KiB lose 1.2×, two of 1 MiB win (0.8×);
 * four of 16 KiB lose 1.6×, four of 256 KiB break even, larger reads win.
 */
const INLINE_MAX_CHUNKS = 1;
const INLINE_MAX_BYTES = 1024 * 1024;

/**
 * Where a read or write runs. "auto" (the default) keeps a call in the
 * caller when it is too small to be worth a worker; "never" sends every
 * call to the plan's workers, however small (a test or a benchmark that
 * must exercise them, a store whose latency makes even one chunk worth
 * overlapping); "always" runs the call in the caller on any plan. A plan
 * that runs in the caller (`sequential()`) has no workers to send it to.
 */
export type InlineMode = "auto" | "never" | "always";
const INLINE_MODES: readonly InlineMode[] = ["auto", "never", "always"];

export function checkInline(where: string, inline: unknown): InlineMode {
  if (inline === undefined) return "auto";
  if (!INLINE_MODES.includes(inline as InlineMode)) {
    throw new ZarrOptionError(`${where}: inline must be "auto", "never" or "always", got ${JSON.stringify(inline)}`, "inline");
  }
  return inline as InlineMode;
}

/**
 * Whether a call runs in the caller. Under "auto", PARAZARR_INLINE_MAX_CHUNKS,
 * read at each call, replaces the size rule with "at most that many chunks":
 * a knob for a whole run (benchmarks, a store whose latency changes the
 * trade-off) without touching the code; the `inline` option of one call wins.
 */
export function runsInline(array: ZarrArray, chunkCount: number, mode: InlineMode = "auto"): boolean {
  if (mode !== "auto") return mode === "always";
  const knob = process.env.PARAZARR_INLINE_MAX_CHUNKS;
  if (knob !== undefined && /^\d+$/.test(knob)) return chunkCount <= Number(knob);
  const chunkBytes = product(array.chunks) * bytesPerElement(array.dtype);
  return chunkCount <= INLINE_MAX_CHUNKS || chunkCount * chunkBytes <= INLINE_MAX_BYTES;
}

/**
 * Decoded bytes one task should handle: small chunks are grouped up to this.
 * Several 4 MiB chunks, because a worker runs one task at a time and only
 * inside a task do I/O and codec work overlap: a read fetches its next
 * chunks while it decodes, a write stores a chunk while it encodes the next.
 */
const TARGET_TASK_BYTES = 16 * 1024 * 1024;

/** Chunks per task: enough to amortise a task's cost, few enough that every worker gets several tasks. */
export function chunksPerTask(array: ZarrArray, chunkCount: number, concurrency: number): number {
  const chunkBytes = product(array.chunks) * bytesPerElement(array.dtype);
  const byBytes = Math.max(1, Math.floor(TARGET_TASK_BYTES / Math.max(1, chunkBytes)));
  const byFairness = Math.max(1, Math.ceil(chunkCount / (4 * concurrency)));
  return Math.min(byBytes, byFairness);
}

/** Refuses option names the call does not know, so a typo is not silently ignored. */
export function checkOptionNames(where: string, options: object, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) {
    throw new ZarrOptionError(`${where}: options must be an object`, "options");
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ZarrOptionError(`${where}: unknown option ${JSON.stringify(key)}; known options are ${known.join(", ")}`, key);
    }
  }
}

export function checkSignal(where: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) throw new ZarrOptionError(`${where}: signal must be an AbortSignal`, "signal");
  return signal;
}

/**
 * A signal already aborted when the call starts: the same AbortError the
 * scheduler raises for `map` and `read`, not the DOMException that
 * `signal.throwIfAborted()` throws.
 */
export function throwIfAborted(where: string, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(`${where} was aborted`, { cause: signal.reason });
}

export function checkProgress<T>(where: string, onProgress: unknown): ((p: T) => void) | undefined {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== "function") throw new ZarrOptionError(`${where}: onProgress must be a function`, "onProgress");
  return onProgress as (p: T) => void;
}

/**
 * Chunk reads and writes are idempotent (a whole chunk, or the same patch
 * applied again), so transient store errors and lost workers are retried by
 * default: one throttled request must not fail a terabyte-sized job.
 */
export const DEFAULT_RETRIES = 3;

export function checkRetries(where: string, retries: unknown): number {
  if (retries === undefined) return DEFAULT_RETRIES;
  if (typeof retries !== "number" || !Number.isInteger(retries) || retries < 0) {
    throw new ZarrOptionError(`${where}: retries must be a whole number ≥ 0, got ${JSON.stringify(retries)}`, "retries");
  }
  return retries;
}

/** The map options of a Zarr call: its signal and its retries. */
export function mapOptionsOf(signal: AbortSignal | undefined, retries: number): { signal?: AbortSignal; retries: number } {
  return signal ? { signal, retries } : { retries };
}
