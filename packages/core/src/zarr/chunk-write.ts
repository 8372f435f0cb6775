/**
 * The worker side of a write. Each chunk belongs to exactly one group, so
 * no other task writes it at the same time: a partly covered chunk is read,
 * patched and written back by its owner alone (zarrita's own `set` loses
 * updates when two writers patch one chunk).
 */
import { createHash } from "node:crypto";
import { chunkKey, type ZarrArray } from "./array.js";
import type { ChunkPart } from "./chunk-plan.js";
import { getPipeline, type ChunkPipeline } from "./codecs/pipeline.js";
import { typedArrayFor, type TypedArray } from "./dtype.js";
import { cStrides, copyBlock, flatIndex, fStrides, product, type StridedView } from "./ndcopy.js";
import { effectiveFill, type FillValue } from "./fill-value.js";
import { openStore } from "./stores/index.js";
import { BufferPool } from "./buffer-pool.js";

// Encoded frames of this thread being stored: a task stores its chunks while it encodes the next.
const frameBuffers = new BufferPool(8);

export interface WritePart extends ChunkPart {
  /** The block's new values, laid out as `source.stride` says. */
  readonly source: StridedView;
}

export interface WriteGroup {
  readonly array: ZarrArray;
  readonly parts: readonly WritePart[];
}

/** What happened to one chunk: written (bytes > 0, with a checksum) or left empty (fill value only). */
export interface ChunkReceipt {
  readonly key: string;
  readonly bytes: number;
  /** "sha256:<hex>" of the stored bytes; null when nothing was stored. */
  readonly checksum: string | null;
}

export async function writeChunkGroup(group: WriteGroup, signal?: AbortSignal): Promise<ChunkReceipt[]> {
  const { array } = group;
  const store = await openStore(array.store);
  const pipeline = await getPipeline(array);
  const receipts: ChunkReceipt[] = [];
  // Stores run in the background while the next chunk is encoded (a file
  // write is ≈ 6 ms for 4 MiB, encoding ≈ 20 ms): the task waits for all of
  // them before it reports, so a receipt only names chunks already stored.
  const storing: Array<Promise<void>> = [];
  try {
    for (const part of group.parts) {
      signal?.throwIfAborted();
      const key = chunkKey(array, part.coords);
      let chunk = asWholeChunk(array, part);
      if (chunk === undefined) {
        chunk = part.whole ? filledChunk(array) : await currentChunk(array, key, await store.get(key), pipeline);
        copyBlock(part.source, { data: chunk.data, offset: flatIndex(part.chunkStart, chunk.stride), stride: chunk.stride }, part.count);
      }
      if (isAll(chunk.data, array.fillValue)) {
        // zarr-python's default: a chunk of nothing but fill value is not stored.
        storing.push(store.delete!(key));
        receipts.push({ key, bytes: 0, checksum: null });
        continue;
      }
      // The frame goes into one of this thread's buffers, lent until the store has it.
      const frame = pipeline.encodesIntoScratch ? frameBuffers.take(pipeline.encodedCapacity) : undefined;
      const bytes = await pipeline.encode({ data: chunk.data, shape: array.chunks, stride: chunk.stride }, frame);
      receipts.push({ key, bytes: bytes.byteLength, checksum: `sha256:${createHash("sha256").update(bytes).digest("hex")}` });
      const stored = store.set!(key, bytes);
      storing.push(stored);
      if (frame) void stored.then(() => frameBuffers.give(frame), () => frameBuffers.give(frame));
    }
  } finally {
    // Even when encoding failed: no store call may outlive the task that started it.
    await Promise.allSettled(storing);
  }
  await Promise.all(storing);
  return receipts;
}

/**
 * The part's data itself when it already is the whole chunk, laid out as
 * the chunk is stored (an interior chunk of a C-order array, sliced for its
 * task): encoding reads it as it is, no copy. Codecs never write into their
 * input (zarrita's big-endian bytes codec copies before swapping).
 */
function asWholeChunk(array: ZarrArray, part: WritePart): { data: TypedArray; stride: number[] } | undefined {
  const { source } = part;
  const size = product(array.chunks);
  if (!part.whole || array.order !== "C" || source.offset !== 0 || source.data.length !== size) return undefined;
  // zarrita's bytes codec encodes `data.buffer` whole: the data must own its buffer, not view a larger one.
  if (source.data.byteOffset !== 0 || source.data.byteLength !== source.data.buffer.byteLength) return undefined;
  if (part.count.some((n, d) => n !== array.chunks[d])) return undefined;
  const stride = cStrides(array.chunks);
  // A stride may differ only where the length is 1 (an index-selected dimension): it is never used there.
  if (source.stride.some((s, d) => s !== stride[d] && array.chunks[d] !== 1)) return undefined;
  return { data: source.data, stride };
}

/** A chunk in the array's own element order, so the transpose codec has nothing to do. */
function emptyChunk(array: ZarrArray): { data: TypedArray; stride: number[] } {
  const Ctor = typedArrayFor(array.dtype);
  const stride = array.order === "F" ? fStrides(array.chunks) : cStrides(array.chunks);
  return { data: new Ctor(product(array.chunks)), stride };
}

function filledChunk(array: ZarrArray): { data: TypedArray; stride: number[] } {
  const chunk = emptyChunk(array);
  // Edge chunks are stored at full size; the part beyond the array holds the fill value.
  const fill = effectiveFill(array.fillValue, array.dtype);
  if (fill !== 0 && fill !== 0n) (chunk.data as unknown as { fill(v: number | bigint): void }).fill(fill);
  return chunk;
}

/** The chunk as stored now (or all fill value when absent), for a partial update. */
async function currentChunk(
  array: ZarrArray,
  key: string,
  bytes: Uint8Array | undefined,
  pipeline: ChunkPipeline,
): Promise<{ data: TypedArray; stride: number[] }> {
  if (bytes === undefined) return filledChunk(array);
  const decoded = await pipeline.decode(bytes, key);
  // A decoded chunk may be a view into a larger buffer, or shared with a
  // cache: copy it into a buffer of its own, which encode needs anyway.
  const chunk = emptyChunk(array);
  copyBlock({ data: decoded.data, offset: 0, stride: decoded.stride }, { data: chunk.data, offset: 0, stride: chunk.stride }, array.chunks);
  return chunk;
}

/** Whether the chunk holds nothing but the fill value; never, when there is none (a reader could not tell it from garbage). */
function isAll(data: TypedArray, value: FillValue): boolean {
  if (value === null) return false;
  const values = data as unknown as ArrayLike<number | bigint>;
  if (typeof value === "number" && Number.isNaN(value)) {
    for (let i = 0; i < values.length; i++) if (values[i] === values[i]) return false;
    return true;
  }
  for (let i = 0; i < values.length; i++) if (values[i] !== value) return false;
  return true;
}
