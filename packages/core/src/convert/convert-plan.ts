/**
 * The work of a conversion, planned by output chunk, not by file. Each task
 * (a *unit*) owns a box of whole chunks of one data variable: one chunk
 * along time, and as many chunks of the other dimensions as fit in the
 * task's memory. It reads the slice of every source that overlaps its time
 * range. So 5-day files in 8-step chunks convert correctly: the chunk that
 * spans two files is written once, by one task, from both files, with no
 * lock and no read-modify-write race. When files align with chunks the plan
 * degenerates to one task per file (per variable and spatial block).
 */
import { bytesPerElement } from "../zarr/dtype.js";
import type { Box } from "../sources/source.js";
import type { ArchiveModel, ArchiveVariable } from "./archive-model.js";
import { taskIdOf } from "./ledger.js";

/** A source placed on the time axis; `index` is its position in the inputs. */
export interface PlacedSource {
  readonly index: number;
  readonly start: number;
  readonly stop: number;
}

/** The part of one source a unit reads: `count` time steps from `fileStart`, landing at archive index `archiveStart`. */
export interface Piece {
  readonly input: number;
  readonly fileStart: number;
  readonly archiveStart: number;
  readonly count: number;
}

export interface Unit {
  readonly id: string;
  readonly variable: string;
  /** Element region in the archive array, [start, stop) per dimension. */
  readonly region: Box;
  readonly pieces: readonly Piece[];
}

/**
 * A unit's slab is at most this many bytes (decoded), so a worker's memory is
 * bounded by it, never by a file or the archive. It is fixed, not an option:
 * the units, and so the ledger's task ids, must be the same on every run and
 * for every writer of one archive, or a rerun would find none of its records.
 */
export const UNIT_BYTES = 256e6;

/** How many chunks along each non-time dimension a unit takes: halve the largest count until the slab fits. */
export function blockShape(variable: ArchiveVariable, timeAxis: number, taskBytes: number): number[] {
  const grid = variable.shape.map((n, d) => Math.max(1, Math.ceil(n / variable.chunks[d]!)));
  const block = grid.map((n, d) => (d === timeAxis ? 1 : n));
  const bytesOf = (b: number[]) => b.reduce((acc, k, d) => acc * Math.min(variable.shape[d]!, k * variable.chunks[d]!), bytesPerElement(variable.dtype));
  while (bytesOf(block) > taskBytes) {
    let widest = -1;
    for (let d = 0; d < block.length; d++) if (d !== timeAxis && block[d]! > 1 && (widest < 0 || block[d]! > block[widest]!)) widest = d;
    if (widest < 0) break; // one chunk is the least a task can own
    block[widest] = Math.ceil(block[widest]! / 2);
  }
  return block;
}

/** Sources sorted by start; those overlapping [t0, t1), found by binary search. */
function overlapping(sources: readonly PlacedSource[], t0: number, t1: number): PlacedSource[] {
  let lo = 0;
  let hi = sources.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sources[mid]!.stop <= t0) lo = mid + 1;
    else hi = mid;
  }
  const out: PlacedSource[] = [];
  for (let i = lo; i < sources.length && sources[i]!.start < t1; i++) if (sources[i]!.stop > t0) out.push(sources[i]!);
  return out;
}

/**
 * Every unit of every data variable that at least one source overlaps, in
 * time order (so the archive fills from its start, and a killed run leaves
 * a prefix). Time chunks no source reaches are not planned: `status` shows
 * them as missing.
 */
export function* planUnits(model: ArchiveModel, sources: readonly PlacedSource[], taskBytes = UNIT_BYTES): Generator<Unit> {
  const sorted = [...sources].filter((s) => s.stop > s.start).sort((a, b) => a.start - b.start);
  const data = model.variables.filter((v) => v.role === "data");
  const timeChunks = Math.max(...data.map((v) => Math.ceil(v.shape[v.dimensions.indexOf(model.timeDimension)]! / v.chunks[v.dimensions.indexOf(model.timeDimension)]!)));
  for (let c = 0; c < timeChunks; c++) {
    for (const variable of data) {
      const t = variable.dimensions.indexOf(model.timeDimension);
      const step = variable.chunks[t]!;
      const t0 = c * step;
      const t1 = Math.min(variable.shape[t]!, t0 + step);
      if (t0 >= t1) continue;
      const found = overlapping(sorted, t0, t1);
      if (found.length === 0) continue;
      const pieces = found.map((s) => {
        const a = Math.max(t0, s.start);
        return { input: s.index, fileStart: a - s.start, archiveStart: a, count: Math.min(t1, s.stop) - a };
      });
      yield* spatialBlocks(variable, t, [t0, t1], c, pieces, taskBytes);
    }
  }
}

function* spatialBlocks(variable: ArchiveVariable, t: number, time: [number, number], c: number, pieces: Piece[], taskBytes: number): Generator<Unit> {
  const block = blockShape(variable, t, taskBytes);
  const grid = variable.shape.map((n, d) => Math.max(1, Math.ceil(n / variable.chunks[d]!)));
  const counts = grid.map((n, d) => (d === t ? 1 : Math.ceil(n / block[d]!)));
  const position = counts.map(() => 0);
  for (;;) {
    const chunkBox = position.map((p, d) => (d === t ? [c, c + 1] : [p * block[d]!, Math.min(grid[d]!, (p + 1) * block[d]!)]) as [number, number]);
    const region = chunkBox.map(([a, b], d) =>
      d === t ? time : ([a * variable.chunks[d]!, Math.min(variable.shape[d]!, b * variable.chunks[d]!)] as [number, number]),
    );
    yield { id: taskIdOf(variable.name, chunkBox), variable: variable.name, region, pieces };
    let d = position.length - 1;
    while (d >= 0 && ++position[d]! >= counts[d]!) position[d--] = 0;
    if (d < 0) return;
  }
}
