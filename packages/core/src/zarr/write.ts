/**
 * `writeRegion(array, region, data)`: each chunk the region touches is owned
 * by exactly one task, which patches it (read-modify-write when the region
 * covers it only partly) and stores it atomically. Everything is checked
 * here, before the first task starts: a refused write leaves the store as
 * it was.
 */
import { mapUnorderedSettled } from "../map/map.js";
import type { Progress } from "../map/options.js";
import { getPlan } from "../plan/current.js";
import { chunkKey, type ZarrArray } from "./array.js";
import { claimChunks, type ChunkClaim } from "./chunk-locks.js";
import { countChunks, groupsOf, planChunks, type ChunkPart } from "./chunk-plan.js";
import type { ChunkReceipt, WriteGroup } from "./chunk-write.js";
import { typedArrayFor, type TypedArray } from "./dtype.js";
import { ChunkAlignmentError, ReadOnlyStoreError, ZarrOptionError } from "./errors.js";
import { checkCodecs } from "./codecs/pipeline.js";
import { checkArrayHandle } from "./handle-check.js";
import { checkStoreShared } from "./shared-store.js";
import { cStrides, copyBlock, flatIndex, product, type StridedView } from "./ndcopy.js";
import { normalizeSelection, type NormalizedSelection, type Selection } from "./selection.js";
import { openStore } from "./stores/index.js";
import { removeLeftoverTemporaries } from "./stale-temp-files.js";
import { writeChunks } from "./tasks.js";
import { toSourceView, type WriteData } from "./write-data.js";
import {
  checkInline, checkOptionNames, checkProgress, checkRetries, checkSignal, chunksPerTask, mapOptionsOf, runsInline, throwIfAborted, type InlineMode,
} from "./work-plan.js";

export type { WriteData } from "./write-data.js";
export type { ChunkReceipt } from "./chunk-write.js";

export interface WriteOptions {
  /** Cancels the write. Chunks already stored stay (each is whole); the call rejects with AbortError. */
  signal?: AbortSignal;
  /** Called as chunks are stored: `done` and `total` count chunks. */
  onProgress?: (progress: Progress) => void;
  /**
   * Other writers (processes, hosts) may write other regions of this array
   * at the same time: the region must then cover whole chunks, else no two
   * writers could be sure not to patch one chunk. Refused with
   * ChunkAlignmentError otherwise.
   */
  independent?: boolean;
  /** Retries of a chunk group after a transient store error or a lost worker. Default 3. */
  retries?: number;
  /** "auto" (default): a small write runs in the caller; "never": always on the plan's workers; "always": in the caller. */
  inline?: InlineMode;
}

export interface WriteReceipt {
  /** Chunks stored. */
  readonly chunksWritten: number;
  /** Encoded bytes stored. */
  readonly bytesWritten: number;
  /** Every stored chunk, in chunk-grid order, with its size and checksum. */
  readonly chunks: ChunkReceipt[];
  /** Keys of chunks left absent (or deleted) because they held only the fill value. */
  readonly emptyChunks: string[];
}

const OPTIONS = ["signal", "onProgress", "independent", "retries", "inline"] as const;

export async function writeRegion(
  array: ZarrArray,
  region: Selection | null,
  data: WriteData,
  options: WriteOptions = {},
): Promise<WriteReceipt> {
  checkArrayHandle("writeRegion", array);
  checkOptionNames("writeRegion", options, OPTIONS);
  const signal = checkSignal("writeRegion", options.signal);
  const retries = checkRetries("writeRegion", options.retries);
  const onProgress = checkProgress<Progress>("writeRegion", options.onProgress);
  const inlineMode = checkInline("writeRegion", options.inline);
  if (options.independent !== undefined && typeof options.independent !== "boolean") {
    throw new ZarrOptionError("writeRegion: independent must be true or false", "independent");
  }
  const sel = normalizeSelection(region, array.shape, "region");
  const source = toSourceView(array, sel, data);
  if (options.independent) checkAlignment(array, sel);
  // Claimed before the first await, so that claims follow call order (chunk-locks.ts).
  const claim = claimChunks(array, sel);
  try {
    return await writeClaimed(array, sel, source, claim, { signal, retries, onProgress, inlineMode });
  } finally {
    claim.release();
  }
}

interface ClaimedWrite {
  readonly signal: AbortSignal | undefined;
  readonly retries: number;
  readonly onProgress: ((progress: Progress) => void) | undefined;
  readonly inlineMode: InlineMode;
}

async function writeClaimed(
  array: ZarrArray,
  sel: NormalizedSelection,
  source: StridedView,
  claim: ChunkClaim,
  { signal, retries, onProgress, inlineMode }: ClaimedWrite,
): Promise<WriteReceipt> {
  // A handle may have been edited or rebuilt from JSON: its codecs are checked here, not by the first task.
  await checkCodecs(array);
  checkStoreShared("writeRegion", array.store, getPlan());
  const store = await openStore(array.store);
  if (store.set === undefined || store.delete === undefined) throw new ReadOnlyStoreError(array.store.url);
  throwIfAborted("writeRegion", signal);

  const total = countChunks(array, sel);
  const plan = getPlan();
  const inline = plan.capabilities.inProcess || runsInline(array, total, inlineMode);
  const concurrency = inline ? 1 : await plan.concurrency();
  const groups = groupsOf(planChunks(array, sel), chunksPerTask(array, total, concurrency));
  const results: ChunkReceipt[][] = [];
  let done = 0;
  const progress = (n: number) => onProgress?.({ done: (done += n), failed: 0, total });
  // Inline, tasks read the caller's data in place. On workers, each task's
  // slice of the data is copied only when the scheduler asks for the task,
  // so memory stays flat for big regions; slices come back for reuse once
  // their task has reported, so slice memory is bounded by the tasks in
  // flight, not by how fast GC frees buffers (a GiB-sized write otherwise
  // held ≈ 1 GiB of dead slices).
  const slices = new SlicePool(array, plan.capabilities.sharedMemory);
  const toInput = (parts: ChunkPart[]): WriteGroup => ({
    array,
    parts: parts.map((p) => ({ ...p, source: inline ? viewOf(source, p) : slices.slice(source, p) })),
  });
  const pending = new Map<number, PendingGroup>();
  const inputs = claimedGroups(groups, claim, signal, pending, toInput);
  try {
    for await (const { index, value } of mapUnorderedSettled(writeChunks, inputs, mapOptionsOf(signal, retries), inline)) {
      const { group, ordinal } = pending.get(index)!;
      results[ordinal] = value;
      pending.delete(index);
      claim.stored(group.parts.map((p) => p.coords));
      if (!inline) slices.release(group.parts.map((p) => p.source.data));
      progress(value.length);
    }
  } catch (error) {
    // Every task of this call has stopped (mapUnorderedSettled) and the
    // chunks are still claimed: temporaries their killed or cancelled tasks
    // left are nobody's now.
    const keys = [...pending.values()].flatMap(({ group }) => group.parts.map((p) => chunkKey(array, p.coords)));
    await removeLeftoverTemporaries(array.store, keys);
    throw error;
  }
  return receiptOf(results.flat());
}

/** A group sent to the plan, until its task reports; `ordinal` is its place in chunk-grid order, for the receipt. */
interface PendingGroup {
  readonly group: WriteGroup;
  readonly ordinal: number;
}

/**
 * The call's groups as map inputs, each recorded in `pending` under its
 * map index. Groups that no earlier call in flight also touches go first;
 * the others wait their turn (chunk-locks.ts) at the end, so one shared
 * edge chunk does not hold back the rest of the write.
 */
async function* claimedGroups(
  groups: Iterable<ChunkPart[]>,
  claim: ChunkClaim,
  signal: AbortSignal | undefined,
  pending: Map<number, PendingGroup>,
  toInput: (parts: ChunkPart[]) => WriteGroup,
): AsyncGenerator<WriteGroup> {
  let index = 0;
  let ordinal = 0;
  const contended: Array<{ parts: ChunkPart[]; ordinal: number }> = [];
  const next = async (deferred: { parts: ChunkPart[]; ordinal: number }) => {
    await claim.turnFor(
      deferred.parts.map((p) => p.coords),
      signal,
    );
    const group = toInput(deferred.parts);
    pending.set(index++, { group, ordinal: deferred.ordinal });
    return group;
  };
  for (const parts of groups) {
    if (claim.contended(parts.map((p) => p.coords))) {
      contended.push({ parts, ordinal: ordinal++ });
      // Two calls over one large region would otherwise defer every group: memory stays bounded.
      if (contended.length > MAX_DEFERRED_GROUPS) yield await next(contended.shift()!);
      continue;
    }
    const group = toInput(parts);
    pending.set(index++, { group, ordinal: ordinal++ });
    yield group;
  }
  for (const deferred of contended) yield await next(deferred);
}

const MAX_DEFERRED_GROUPS = 1024;

/** Every edge must sit on a chunk boundary (or the array's end). */
function checkAlignment(array: ZarrArray, sel: NormalizedSelection): void {
  for (let d = 0; d < array.shape.length; d++) {
    if (sel.count[d] !== 0) checkEdgesAligned(array, d, sel.start[d]!, sel.start[d]! + sel.count[d]!);
  }
}

/** [start, stop) along dimension `d` covers whole chunks (the array's end counts as a boundary), or ChunkAlignmentError names the boundaries. */
export function checkEdgesAligned(array: Pick<ZarrArray, "shape" | "chunks">, d: number, start: number, stop: number): void {
  const size = array.chunks[d]!;
  for (const [edge, value] of [["start", start], ["stop", stop]] as const) {
    if (value % size === 0 || value === array.shape[d]) continue;
    const below = Math.floor(value / size) * size;
    throw new ChunkAlignmentError(d, edge, value, below, Math.min(below + size, array.shape[d]!));
  }
}

/** The part's block inside the caller's data, without copying (inline writes). */
function viewOf(source: StridedView, part: ChunkPart): StridedView {
  return { data: source.data, offset: source.offset + flatIndex(part.selectionStart, source.stride), stride: source.stride };
}

/**
 * Copies each part's block out, so a task carries only its own data. On
 * shared-memory plans the blocks are SharedArrayBuffers: posting one to a
 * worker shares it instead of copying it a second time.
 */
class SlicePool {
  readonly #free = new Map<number, TypedArray[]>();
  constructor(
    private readonly array: ZarrArray,
    private readonly shared: boolean,
  ) {}

  slice(source: StridedView, part: ChunkPart): StridedView {
    const length = product(part.count);
    const data = this.#free.get(length)?.pop() ?? this.#allocate(length);
    const block: StridedView = { data, offset: 0, stride: cStrides(part.count) };
    copyBlock(viewOf(source, part), block, part.count);
    return block;
  }

  /** Their task has reported: nobody reads these blocks any more. */
  release(blocks: readonly TypedArray[]): void {
    for (const block of blocks) {
      const list = this.#free.get(block.length) ?? [];
      list.push(block);
      this.#free.set(block.length, list);
    }
  }

  #allocate(length: number): TypedArray {
    const Ctor = typedArrayFor(this.array.dtype);
    return this.shared ? new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT)) : new Ctor(length);
  }
}

function receiptOf(all: ChunkReceipt[]): WriteReceipt {
  const chunks = all.filter((c) => c.bytes > 0);
  return {
    chunksWritten: chunks.length,
    bytesWritten: chunks.reduce((sum, c) => sum + c.bytes, 0),
    chunks,
    emptyChunks: all.filter((c) => c.bytes === 0).map((c) => c.key),
  };
}

