/** A variable without the time dimension (lat, lon, bounds, a mask), written in full from the template source by a worker. */
import type { ZarrArray } from "../zarr/array.js";
import { writeRegion } from "../zarr/write.js";
import type { SourceSpec } from "../sources/source.js";
import { castTo } from "./packing.js";
import { openCachedSource } from "./source-cache.js";

export interface StaticWrite {
  readonly array: ZarrArray;
  readonly source: SourceSpec;
  readonly variable: string;
  readonly shape: readonly number[];
}

export async function writeStatic(job: StaticWrite, signal?: AbortSignal): Promise<number> {
  const file = await openCachedSource(job.source, signal);
  const raw = await file.read(job.variable, job.shape.map((n) => [0, n] as const), { signal });
  if (raw.length === 0) return 0;
  const receipt = await writeRegion(job.array, null, { data: castTo(raw, job.array.dtype), shape: job.shape }, { inline: "always", signal });
  return receipt.chunksWritten;
}
