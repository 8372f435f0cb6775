/**
 * `validate(archive, { deep })`: a unit re-read from its sources, exactly as
 * its task read it (same slices, same packing rule), and compared element
 * by element with what the archive holds. The one check that proves the
 * archive holds the sources' data, not only data that matches its own
 * checksums.
 */
import { chunkKey, type ZarrArray } from "../zarr/array.js";
import { open } from "../zarr/open.js";
import { read } from "../zarr/read.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import type { ArchiveModel } from "./archive-model.js";
import { transformFor } from "./check-sources.js";
import { assembleUnit, type UnitPiece } from "./convert-task.js";
import type { ConversionManifest, ManifestUnit } from "./ledger.js";
import { scanSource } from "./scan.js";
import { manifestOptions } from "./template.js";

export async function compareUnitWithSources(archive: StoreSpec, manifest: ConversionManifest, unit: ManifestUnit): Promise<Array<{ chunk?: string; message: string }>> {
  const model = manifestOptions(manifest).model;
  const array = await open(archive, unit.variable);
  const variable = model.variables.find((v) => v.name === unit.variable);
  if (variable === undefined) return [{ message: `${unit.id}: the manifest's model has no variable ${unit.variable}` }];
  const timeAxis = array.dimensionNames?.indexOf(model.timeDimension) ?? 0;
  const [t0, t1] = unit.region[timeAxis]!;
  const pieces: UnitPiece[] = [];
  for (const index of unit.sources) {
    const input = manifest.inputs[index]!;
    const source = { url: input.url, format: input.format };
    const scan = await scanSource({ source, timeDimension: model.timeDimension });
    const [start, stop] = input.timeRange;
    const a = Math.max(t0, start);
    pieces.push({
      source,
      identity: input.identity,
      variable: unit.variable,
      fileStart: a - start,
      archiveStart: a,
      count: Math.min(t1, stop) - a,
      transform: transformFor(model as ArchiveModel, variable, scan, "auto"),
    });
  }
  const expected = await assembleUnit({ id: unit.id, array, region: unit.region, timeAxis, pieces });
  const stored = await read(array, unit.region.map(([a, b]) => [a, b] as [number, number]));
  return differences(array, unit, expected.slab, stored.data, expected.shape);
}

function differences(array: ZarrArray, unit: ManifestUnit, expected: ArrayLike<number | bigint>, got: ArrayLike<number | bigint>, shape: number[]) {
  let count = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = expected[i]!;
    const b = got[i]!;
    if (a === b || (typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b))) continue;
    if (first < 0) first = i;
    count++;
  }
  if (count === 0) return [];
  const position: number[] = [];
  let rest = first;
  for (let d = shape.length - 1; d >= 0; d--) {
    position[d] = unit.region[d]![0] + (rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  const chunk = chunkKey(array, position.map((p, d) => Math.floor(p / array.chunks[d]!)));
  return [
    {
      chunk,
      message: `${unit.variable}: ${count} value(s) differ from the sources, first at [${position.join(", ")}] in ${chunk}: archive ${got[first]}, sources ${expected[first]}`,
    },
  ];
}
