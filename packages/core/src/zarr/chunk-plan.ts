/**
 * Which chunks a selection touches, and for each the block to move: where it
 * starts inside the chunk and where inside the selection. Chunks come in C
 * order of the chunk grid, so neighbouring chunks land in the same task.
 */
import type { ZarrArray } from "./array.js";
import type { NormalizedSelection } from "./selection.js";

export interface ChunkPart {
  /** The chunk's position in the chunk grid. */
  readonly coords: number[];
  /** The block's first element inside the chunk, per dimension. */
  readonly chunkStart: number[];
  /** The block's first element relative to the selection's start, per dimension. */
  readonly selectionStart: number[];
  /** The block's length per dimension. */
  readonly count: number[];
  /** The block covers every in-bounds element of the chunk (nothing to read back). */
  readonly whole: boolean;
}

type Grid = Pick<ZarrArray, "shape" | "chunks">;

/** Per dimension, the first and one-past-last chunk index the selection touches. */
function chunkRanges(array: Grid, selection: NormalizedSelection): Array<[number, number]> | undefined {
  const ranges: Array<[number, number]> = [];
  for (let d = 0; d < array.shape.length; d++) {
    const count = selection.count[d]!;
    if (count === 0) return undefined;
    const size = array.chunks[d]!;
    const start = selection.start[d]!;
    ranges.push([Math.floor(start / size), Math.floor((start + count - 1) / size) + 1]);
  }
  return ranges;
}

export function countChunks(array: Grid, selection: NormalizedSelection): number {
  const ranges = chunkRanges(array, selection);
  return ranges === undefined ? 0 : ranges.reduce((n, [lo, hi]) => n * (hi - lo), 1);
}

function part(array: Grid, selection: NormalizedSelection, coords: number[]): ChunkPart {
  const chunkStart: number[] = [];
  const selectionStart: number[] = [];
  const count: number[] = [];
  let whole = true;
  coords.forEach((c, d) => {
    const size = array.chunks[d]!;
    const chunkLo = c * size;
    const chunkHi = Math.min(chunkLo + size, array.shape[d]!);
    const lo = Math.max(chunkLo, selection.start[d]!);
    const hi = Math.min(chunkHi, selection.start[d]! + selection.count[d]!);
    chunkStart.push(lo - chunkLo);
    selectionStart.push(lo - selection.start[d]!);
    count.push(hi - lo);
    if (lo !== chunkLo || hi !== chunkHi) whole = false;
  });
  return { coords, chunkStart, selectionStart, count, whole };
}

/** Every chunk the selection touches, in C order of the chunk grid. */
export function* planChunks(array: Grid, selection: NormalizedSelection): Generator<ChunkPart> {
  const ranges = chunkRanges(array, selection);
  if (ranges === undefined) return;
  const coords = ranges.map(([lo]) => lo);
  for (;;) {
    yield part(array, selection, [...coords]);
    let d = coords.length - 1;
    for (; d >= 0; d--) {
      if (++coords[d]! < ranges[d]![1]) break;
      coords[d] = ranges[d]![0];
    }
    if (d < 0) return;
  }
}

/** Splits the chunk list into runs of `size` for the tasks. */
export function* groupsOf<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let group: T[] = [];
  for (const item of items) {
    group.push(item);
    if (group.length === size) {
      yield group;
      group = [];
    }
  }
  if (group.length > 0) yield group;
}
