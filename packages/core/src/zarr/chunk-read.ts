/**
 * The worker side of a read: fetch a group of chunks, decode each, and move
 * only the selected block out of it — into a shared output when the caller
 * gave one, else into a fresh block that travels back.
 */
import { chunkKey, type ZarrArray } from "./array.js";
import type { ChunkPart } from "./chunk-plan.js";
import { getPipeline } from "./codecs/pipeline.js";
import { INTO_SLACK } from "./codecs/zlib-into.js";
import { BufferPool } from "./buffer-pool.js";
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
  // Where the store can read into a buffer (files), each fetch gets one of
  // this thread's, returned when the group is done: the chunk's bytes (and,
  // uncompressed, the chunk itself) view it only until it is copied out.
  const options = signal ? { signal } : undefined;
  const inputs = store.getInto ? parts.map(() => readBuffers.take(pipeline.encodedCapacity)) : [];
  const fetches = parts.map((part, i) => {
    const key = chunkKey(array, part.coords);
    return store.getInto ? store.getInto(key, inputs[i]!, options) : store.get(key, options);
  });
  for (const fetch of fetches) fetch.catch(() => undefined);
  const blocks: TypedArray[] = [];
  // One decode buffer for the whole group, taken from this thread's pool,
  // when the codec can decode into it: each chunk is copied out of it
  // before the next one is decoded.
  const scratch = pipeline.decodesIntoScratch ? decodeBuffers.take(pipeline.chunkBytes + INTO_SLACK) : undefined;
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
    if (scratch) decodeBuffers.give(scratch);
    // Every fetch is over before its buffer goes back (a rejected group may leave some running).
    if (inputs.length > 0) void Promise.allSettled(fetches).then(() => inputs.forEach((input) => readBuffers.give(input)));
  }
  // Each block was made here for this result alone: move it, never copy it.
  return transfer(blocks);
}

// Decoded chunks (one per group at a time), and the stored bytes of a group's chunks (all fetched at once).
const decodeBuffers = new BufferPool(4);
const readBuffers = new BufferPool(16);

function newBlock(array: ZarrArray, count: readonly number[]): StridedView {
  const Ctor = typedArrayFor(array.dtype);
  return { data: new Ctor(product(count)), offset: 0, stride: cStrides(count) };
}
