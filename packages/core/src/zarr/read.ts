/**
 * `read(array, selection)`: every chunk the selection touches becomes work;
 * small chunks are grouped per task; each task returns only its selected
 * blocks, which land in the output as they arrive. On a plan whose workers
 * share memory with the caller the output is a SharedArrayBuffer and tasks
 * write into it directly. A read of a few chunks runs in the caller.
 */
import { constants as bufferConstants } from "node:buffer";
import { totalmem } from "node:os";
import { mapUnordered, mapUnorderedInline } from "../map/map.js";
import type { Progress } from "../map/options.js";
import { getPlan } from "../plan/current.js";
import type { ZarrArray } from "./array.js";
import { countChunks, groupsOf, planChunks, type ChunkPart } from "./chunk-plan.js";
import type { ReadTarget } from "./chunk-read.js";
import { dtypeOfTypedArray, typedArrayFor, type TypedArray } from "./dtype.js";
import { DataMismatchError, ReadTooLargeError } from "./errors.js";
import { checkCodecs } from "./codecs/pipeline.js";
import { checkArrayHandle } from "./handle-check.js";
import { checkStoreShared } from "./shared-store.js";
import { cStrides, copyBlock, flatIndex, product } from "./ndcopy.js";
import { normalizeSelection, type NormalizedSelection, type Selection } from "./selection.js";
import { readChunks } from "./tasks.js";
import { checkInline, checkOptionNames, checkProgress, checkRetries, checkSignal, chunksPerTask, mapOptionsOf, runsInline, type InlineMode } from "./work-plan.js";

export interface ReadOptions {
  /** Cancels the read; it rejects with AbortError. */
  signal?: AbortSignal;
  /** Called as chunks land: `done` and `total` count chunks. */
  onProgress?: (progress: Progress) => void;
  /** Write the result here (a typed array of the array's dtype, one element per selected element, C order). */
  out?: TypedArray;
  /** Retries of a chunk group after a transient store error or a lost worker. Default 3. */
  retries?: number;
  /** "auto" (default): a small read runs in the caller; "never": always on the plan's workers; "always": in the caller. */
  inline?: InlineMode;
}

export interface ReadResult {
  /** The selected elements in C order; backed by a SharedArrayBuffer when the plan's workers share memory. */
  readonly data: TypedArray;
  readonly shape: number[];
  readonly stride: number[];
}

const OPTIONS = ["signal", "onProgress", "out", "retries", "inline"] as const;

export async function read(array: ZarrArray, selection?: Selection | null, options: ReadOptions = {}): Promise<ReadResult> {
  checkArrayHandle("read", array);
  checkOptionNames("read", options, OPTIONS);
  const signal = checkSignal("read", options.signal);
  const retries = checkRetries("read", options.retries);
  const onProgress = checkProgress<Progress>("read", options.onProgress);
  const inlineMode = checkInline("read", options.inline);
  const sel = normalizeSelection(selection, array.shape, "selection");
  checkOut(array, sel, options.out);
  await checkCodecs(array);
  const plan = getPlan();
  checkStoreShared("read", array.store, plan);
  const total = countChunks(array, sel);
  const inline = plan.capabilities.inProcess || runsInline(array, total, inlineMode);
  const shared = !inline && plan.capabilities.sharedMemory && (options.out === undefined || isShared(options.out));
  const data = options.out ?? allocate(array, sel, shared);
  // The output seen with the array's rank: index-selected dimensions have length 1.
  const target: ReadTarget = { data, stride: cStrides(sel.count) };
  const progress = (done: number) => onProgress?.({ done, failed: 0, total });
  const mapOptions = mapOptionsOf(signal, retries);
  if (inline) await readInline(array, sel, target, total, mapOptions, progress);
  else await readOnWorkers(array, sel, target, shared, total, await plan.concurrency(), mapOptions, progress);
  return { data, shape: [...sel.shape], stride: cStrides(sel.shape) };
}

function isShared(data: TypedArray): boolean {
  return typeof SharedArrayBuffer !== "undefined" && data.buffer instanceof SharedArrayBuffer;
}

/**
 * The output, refused with a ReadTooLargeError naming its size when it
 * cannot be held: beyond the longest typed array this Node allows
 * (`buffer.constants.MAX_LENGTH` elements: 2**32 on Node 20) or the
 * machine's memory. Otherwise the typed array constructor throws a raw
 * RangeError, or succeeds lazily and the process dies filling it.
 */
function allocate(array: ZarrArray, sel: NormalizedSelection, shared: boolean): TypedArray {
  const Ctor = typedArrayFor(array.dtype);
  const length = product(sel.count);
  const bytes = length * Ctor.BYTES_PER_ELEMENT;
  const limit = Math.min(bufferConstants.MAX_LENGTH * Ctor.BYTES_PER_ELEMENT, totalmem());
  const tooLarge = (cause?: unknown) =>
    new ReadTooLargeError(
      `read: the selection of shape ${JSON.stringify(sel.shape)} (${array.dtype}) is ${bytes} bytes (${gib(bytes)}), ` +
        `more than one read can hold here (${gib(limit)}); read it in parts, a smaller selection at a time`,
      sel.shape,
      bytes,
      limit,
      cause === undefined ? undefined : { cause },
    );
  if (bytes > limit) throw tooLarge();
  try {
    return shared ? new Ctor(new SharedArrayBuffer(bytes)) : new Ctor(length);
  } catch (cause) {
    if (cause instanceof RangeError) throw tooLarge(cause);
    throw cause;
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

function checkOut(array: ZarrArray, sel: NormalizedSelection, out: unknown): void {
  if (out === undefined) return;
  const dtype = dtypeOfTypedArray(out);
  const length = product(sel.count);
  if (dtype !== array.dtype || (out as TypedArray).length !== length) {
    throw new DataMismatchError(
      `read: out must be a ${typedArrayFor(array.dtype).name} of ${length} elements (shape ${JSON.stringify(sel.shape)}), ` +
        `got ${dtype === undefined ? typeof out : `a ${(out as TypedArray).constructor.name} of ${(out as TypedArray).length}`}`,
      `${array.dtype}[${length}]`,
      dtype === undefined ? typeof out : `${dtype}[${(out as TypedArray).length}]`,
    );
  }
}

/** In the caller, through the scheduler (retries, errors as on workers): tasks write straight into the output. */
async function readInline(
  array: ZarrArray,
  sel: NormalizedSelection,
  target: ReadTarget,
  total: number,
  mapOptions: MapCallOptions,
  progress: (done: number) => void,
): Promise<void> {
  const groups = [...groupsOf(planChunks(array, sel), chunksPerTask(array, total, 1))];
  let done = 0;
  for await (const { index } of mapUnorderedInline(readChunks, groups.map((parts) => ({ array, parts, target })), mapOptions)) {
    progress((done += groups[index]!.length));
  }
}

type MapCallOptions = ReturnType<typeof mapOptionsOf>;

async function readOnWorkers(
  array: ZarrArray,
  sel: NormalizedSelection,
  target: ReadTarget,
  shared: boolean,
  total: number,
  concurrency: number,
  mapOptions: MapCallOptions,
  progress: (done: number) => void,
): Promise<void> {
  // Parts of tasks still out, by map index: a result carries blocks only.
  const pending = new Map<number, readonly ChunkPart[]>();
  function* inputs() {
    let index = 0;
    for (const parts of groupsOf(planChunks(array, sel), chunksPerTask(array, total, concurrency))) {
      pending.set(index++, parts);
      yield { array, parts, target: shared ? target : undefined };
    }
  }
  let done = 0;
  for await (const { index, value: blocks } of mapUnordered(readChunks, inputs(), mapOptions)) {
    const parts = pending.get(index) ?? [];
    pending.delete(index);
    if (!shared) placeBlocks(parts, blocks, target);
    progress((done += parts.length));
  }
}

function placeBlocks(parts: readonly ChunkPart[], blocks: readonly TypedArray[], target: ReadTarget): void {
  parts.forEach((part, i) => {
    const block = blocks[i]!;
    copyBlock(
      { data: block, offset: 0, stride: cStrides(part.count) },
      { data: target.data, offset: flatIndex(part.selectionStart, target.stride), stride: target.stride },
      part.count,
    );
  });
}
