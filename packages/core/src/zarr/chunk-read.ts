/**
 * The worker side of a read: fetch a group of chunks, decode each, and move
 * only the selected block out of it — into a shared output when the caller
 * gave one, else into a fresh block that travels back.
 */
import { chunkKey, type ZarrArray } from "./array.js";
import type { ChunkPart } from "./chunk-plan.js";
import { getPipeline } from "./codecs/pipeline.js";
import { typedArrayFor, type TypedArray } from "./dtype.js";
import { cStrides, copyBlock, fillBlock, flatIndex, product, type StridedView } from "./ndcopy.js";
import { effectiveFill } from "./fill-value.js";
import { openStore } from "./stores/index.js";
import { transfer } from "../worker/transfer.js";

/** The selection's output seen with full rank: an index dimension has length 1 there. */
export interface ReadTarget {
  readonly data: TypedArray;
  readonly stride: readonly number[];
}

export interface ReadGroup {
  readonly array: ZarrArray;
  readonly parts: readonly ChunkPart[];
  /** Present when the output is shared memory (or the caller's own, inline): write into it. */
  readonly target?: ReadTarget | undefined;
}

/**
 * Reads the group's chunks. Returns one C-ordered block per part, or an
 * empty list when the blocks went straight into `target`.
 */
export async function readChunkGroup(group: ReadGroup, signal?: AbortSignal): Promise<TypedArray[]> {
  const { array, parts, target } = group;
  const store = await openStore(array.store);
  const pipeline = await getPipeline(array);
  // Fetch the whole group at once (latency overlaps on remote stores);
  // decode one at a time. The catch only marks the rejections as handled
  // until their turn comes: each is still awaited below.
  const fetches = parts.map((part) => store.get(chunkKey(array, part.coords), signal ? { signal } : undefined));
  for (const fetch of fetches) fetch.catch(() => undefined);
  const blocks: TypedArray[] = [];
  // One decode buffer for the whole group, taken from this thread's pool,
  // when the codec can decode into it: each chunk is copied out of it
  // before the next one is decoded.
  const scratch = pipeline.decodesIntoScratch ? takeScratch(pipeline.chunkBytes) : undefined;
  try {
    for (let i = 0; i < parts.length; i++) {
      signal?.throwIfAborted();
      const part = parts[i]!;
      const destination = target
        ? { data: target.data, offset: flatIndex(part.selectionStart, target.stride), stride: target.stride }
        : newBlock(array, part.count);
      const bytes = await fetches[i]!;
      if (bytes === undefined) {
        fillBlock(destination, part.count, effectiveFill(array.fillValue, array.dtype));
      } else {
        const chunk = await pipeline.decode(bytes, chunkKey(array, part.coords), scratch);
        const source: StridedView = { data: chunk.data, offset: flatIndex(part.chunkStart, chunk.stride), stride: chunk.stride };
        copyBlock(source, destination, part.count);
      }
      if (!target) blocks.push(destination.data);
    }
  } finally {
    if (scratch) returnScratch(scratch);
  }
  // Each block was made here for this result alone: move it, never copy it.
  return transfer(blocks);
}

// Decode buffers of this thread not lent to a group now. A group holds its
// own until it returns, so groups that run at once never share one; a few
// are kept, so that memory stays bounded whatever the chunk sizes.
const freeScratch: Uint8Array[] = [];
const KEPT_SCRATCH = 4;

function takeScratch(size: number): Uint8Array {
  const i = freeScratch.findIndex((buffer) => buffer.length === size);
  return i >= 0 ? freeScratch.splice(i, 1)[0]! : new Uint8Array(size);
}

function returnScratch(buffer: Uint8Array): void {
  freeScratch.push(buffer);
  if (freeScratch.length > KEPT_SCRATCH) freeScratch.shift();
}

function newBlock(array: ZarrArray, count: readonly number[]): StridedView {
  const Ctor = typedArrayFor(array.dtype);
  return { data: new Ctor(product(count)), offset: 0, stride: cStrides(count) };
}
