/**
 * How a read or write is split into tasks. The scheduler batches tasks into
 * messages and retries them; this only decides how many chunks one task
 * holds and when a call is too small to be worth a worker at all.
 */
import type { ZarrArray } from "./array.js";
import { bytesPerElement } from "./dtype.js";
import { ZarrOptionError } from "./errors.js";
import { product } from "./ndcopy.js";

/**
 * Up to this many chunks run in the caller. Measured on this 2-core machine
 * (bench/zarr-inline.mjs, 64² … 512² float32 chunks, zstd): a 1-chunk read
 * on threads(2) cost 1.3–2.5× the same read inline (the hop to a worker and
 * back is ≈ 0.3 ms plus copying the block); at 4 chunks threads(2) breaks
 * even or wins once chunks exceed ≈ 256 KiB.
 */
export const INLINE_MAX_CHUNKS = inlineMaxChunks(process.env.PARAZARR_INLINE_MAX_CHUNKS, 2);

// A tuning knob for stores whose latency changes the trade-off (remote
// stores favour workers sooner), and how the benchmark measures the worker
// path on its own (PARAZARR_INLINE_MAX_CHUNKS=0).
function inlineMaxChunks(value: string | undefined, fallback: number): number {
  const parsed = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : fallback;
}

/**
 * Whether a call touching `chunkCount` chunks is too small to be worth a
 * worker. By count only, not bytes: a byte rule would also keep every small
 * test and conformance case away from the workers it is meant to check.
 */
export function runsInline(chunkCount: number): boolean {
  return chunkCount <= INLINE_MAX_CHUNKS;
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

export function checkProgress<T>(where: string, onProgress: unknown): ((p: T) => void) | undefined {
  if (onProgress === undefined) return undefined;
  if (typeof onProgress !== "function") throw new ZarrOptionError(`${where}: onProgress must be a function`, "onProgress");
  return onProgress as (p: T) => void;
}
