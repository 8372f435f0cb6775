/**
 * The worker side of a conversion: one unit (a box of whole chunks of one
 * variable) read from the slices of every source that overlaps it, written,
 * made durable, then recorded in the ledger. The record is written only
 * after the chunks are stored and flushed, so a record never names a chunk
 * that a crash could still lose; a unit killed before its record is simply
 * redone by the next run (its chunks are whole either way: chunk writes are
 * atomic).
 */
import type { ZarrArray } from "../zarr/array.js";
import { typedArrayFor, type TypedArray } from "../zarr/dtype.js";
import { copyBlock, cStrides, fillBlock, product } from "../zarr/ndcopy.js";
import { openStore } from "../zarr/stores/index.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import { writeRegion, type ChunkReceipt } from "../zarr/write.js";
import type { Box, SourceIdentity, SourceSpec } from "../sources/source.js";
import { decodeTimes, encodeTimes, parseTimeUnits } from "./cf-time.js";
import { clearFailure, deleteTaskRecord, readTaskRecord, writeTaskRecord, type SourceRef, type TaskRecord, type WriterId } from "./ledger.js";
import { castTo, repack, type Packing } from "./packing.js";
import { currentIdentity, forgetSource, openCachedSource } from "./source-cache.js";
import { SourceMismatchError } from "./workflow-errors.js";

export type Transform =
  | { readonly kind: "copy" }
  | { readonly kind: "repack"; readonly from: Packing; readonly to: Packing }
  | { readonly kind: "retime"; readonly from: string; readonly to: string; readonly calendar: string };

export interface UnitPiece {
  readonly source: SourceSpec;
  readonly identity: SourceIdentity;
  /** The variable's name in this source. */
  readonly variable: string;
  readonly fileStart: number;
  readonly archiveStart: number;
  readonly count: number;
  readonly transform: Transform;
}

export interface UnitTask {
  readonly id: string;
  readonly array: ZarrArray;
  readonly region: Box;
  readonly timeAxis: number;
  readonly pieces: readonly UnitPiece[];
  readonly archive: StoreSpec;
  readonly writer: WriterId;
  /** A record of an earlier run exists (its sources changed): it is deleted before the chunks are rewritten, so it never vouches for them. */
  readonly replaces: boolean;
}

export interface UnitResult {
  readonly id: string;
  readonly chunks: number;
  readonly bytes: number;
  readonly clipped: number;
}

function sameIdentity(a: SourceIdentity, b: SourceIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.etag === b.etag;
}

/** The unit's values as the archive stores them, read from the slices of its sources; time steps no source holds stay fill. */
export async function assembleUnit(unit: Omit<UnitTask, "archive" | "writer" | "replaces">, signal?: AbortSignal): Promise<{ slab: TypedArray; shape: number[]; clipped: number }> {
  const { array, region, timeAxis } = unit;
  const shape = region.map(([a, b]) => b - a);
  const slab = new (typedArrayFor(array.dtype))(product(shape));
  const stride = cStrides(shape);
  if (array.fillValue !== null) fillBlock({ data: slab, offset: 0, stride }, shape, array.fillValue);
  let clipped = 0;
  for (const piece of unit.pieces) {
    signal?.throwIfAborted();
    const { values, clipped: n } = await readPiece(unit, piece, signal);
    clipped += n;
    const pieceShape = shape.map((s, d) => (d === timeAxis ? piece.count : s));
    copyBlock(
      { data: values, offset: 0, stride: cStrides(pieceShape) },
      { data: slab, offset: (piece.archiveStart - region[timeAxis]![0]) * stride[timeAxis]!, stride },
      pieceShape,
    );
  }
  return { slab, shape, clipped };
}

export async function convertUnit(unit: UnitTask, signal?: AbortSignal): Promise<UnitResult> {
  const { array, region } = unit;
  const store = await openStore(unit.archive);
  if (unit.replaces) await deleteTaskRecord(store, unit.id);
  const { slab, shape, clipped } = await assembleUnit(unit, signal);
  signal?.throwIfAborted();
  const receipt = await writeRegion(array, region.map(([a, b]) => [a, b] as [number, number]), { data: slab, shape }, { inline: "always", independent: true });
  await store.flush?.(receipt.chunks.map((c) => c.key as `/${string}`));
  await writeTaskRecord(store, {
    id: unit.id,
    variable: array.path,
    region: unit.region,
    chunks: receipt.chunks as ChunkReceipt[],
    emptyChunks: receipt.emptyChunks,
    sources: unit.pieces.map((p) => ({ url: p.source.url, identity: p.identity })),
    finishedAt: new Date().toISOString(),
    writer: unit.writer,
  });
  await clearFailure(store, unit.id);
  return { id: unit.id, chunks: receipt.chunksWritten, bytes: receipt.bytesWritten, clipped };
}

async function readPiece(unit: Pick<UnitTask, "array" | "region" | "timeAxis">, piece: UnitPiece, signal?: AbortSignal): Promise<{ values: TypedArray; clipped: number }> {
  let file = await openCachedSource(piece.source, signal);
  const now = await currentIdentity(piece.source, file.identity);
  if (!sameIdentity(now, piece.identity)) {
    await forgetSource(piece.source);
    throw new SourceMismatchError(
      `${piece.source.url} changed since the conversion was planned (size ${piece.identity.size}, mtime ${piece.identity.mtimeMs} → ` +
        `size ${now.size}, mtime ${now.mtimeMs}); run the conversion again to rescan it`,
      piece.source.url,
    );
  }
  if (!sameIdentity(file.identity, now)) {
    // This worker opened the file before it changed into what the plan saw.
    await forgetSource(piece.source);
    file = await openCachedSource(piece.source, signal);
  }
  const box = unit.region.map(([a, b], d) => (d === unit.timeAxis ? ([piece.fileStart, piece.fileStart + piece.count] as const) : ([a, b] as const)));
  const raw = await file.read(piece.variable, box, { signal });
  const { transform } = piece;
  switch (transform.kind) {
    case "copy":
      return { values: castTo(raw, unit.array.dtype), clipped: 0 };
    case "repack":
      return repack(raw, transform.from, transform.to);
    case "retime": {
      const instants = decodeTimes(raw as unknown as ArrayLike<number>, parseTimeUnits(transform.from, transform.calendar));
      return { values: castTo(encodeTimes(instants, parseTimeUnits(transform.to, transform.calendar)), unit.array.dtype), clipped: 0 };
    }
  }
}

/** Whether a record names exactly these sources, with these identities: a changed or added source means the unit is not done. */
export function recordMatches(record: TaskRecord | undefined, sources: readonly SourceRef[]): boolean {
  if (record === undefined || record.sources.length !== sources.length) return false;
  return sources.every((s, i) => record.sources[i]!.url === s.url && sameIdentity(record.sources[i]!.identity, s.identity));
}

/** Whether the unit's record exists and names the very sources (and identities) this plan reads. */
export async function recordedByThisPlan(unit: UnitTask): Promise<boolean> {
  const record = await readTaskRecord(await openStore(unit.archive), unit.id);
  return recordMatches(record, unit.pieces.map((p) => ({ url: p.source.url, identity: p.identity })));
}

