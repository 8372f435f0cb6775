/**
 * Writes the archive's template: the root group with the sources' global
 * attributes, every array's metadata (no data chunks for data variables),
 * and the time coordinate and static variables (lat, lon, bounds, masks)
 * in full, from the template source. It is idempotent: a template killed
 * half-way is finished by the next run, which finds the manifest it wrote
 * first and recreates only what is missing.
 *
 * The manifest is written first (state "template") and marked "ready" last,
 * so an archive is never taken as complete that is not.
 */
import type { ZarrArray } from "../zarr/array.js";
import { create } from "../zarr/create.js";
import { updateConsolidated } from "../zarr/consolidated.js";
import { isArrayExistsError, ReadOnlyStoreError } from "../zarr/errors.js";
import { stringifyJsonExact } from "../zarr/json.js";
import { openStore, type Store } from "../zarr/stores/index.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import { writeRegion } from "../zarr/write.js";
import type { ArchiveModel, ArchiveVariable } from "./archive-model.js";
import { timeRange, type ArchiveTime } from "./archive-time.js";
import { readManifest, writeManifest, type ConversionManifest, type ManifestInput, type ManifestUnit } from "./ledger.js";
import { castTo } from "./packing.js";
import type { ScannedSource } from "./scan.js";
import { writeStatics, type StaticWrite } from "./tasks.js";
import { map } from "../map/map.js";
import { TemplateMismatchError } from "./workflow-errors.js";

export type ManifestState = "template" | "ready";

/** What the manifest's `options` hold: enough for a later writer, status and validate to rebuild the plan. */
export interface ManifestOptions {
  readonly state: ManifestState;
  readonly model: ArchiveModel;
  readonly timeDigest: string;
  readonly timeMode: "global" | "scan";
  readonly first: string;
  readonly last: string;
  readonly [key: string]: unknown;
}

export function manifestOf(
  model: ArchiveModel,
  time: ArchiveTime,
  signature: string,
  state: ManifestState,
  inputs: ManifestInput[],
  units: ManifestUnit[],
  previous?: ConversionManifest,
): ConversionManifest {
  const now = new Date().toISOString();
  const options: ManifestOptions = {
    state,
    model,
    timeDigest: time.digest,
    timeMode: time.mode,
    ...timeRange(time.instants, time.calendar),
  };
  return {
    version: 1,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    timeDimension: model.timeDimension,
    calendar: model.calendar,
    timeUnits: model.timeUnits,
    variables: model.variables.filter((v) => v.role === "data").map((v) => v.name),
    options: options as unknown as Record<string, unknown>,
    templateSignature: signature,
    inputs,
    units,
  };
}

export function manifestOptions(manifest: ConversionManifest): ManifestOptions {
  return manifest.options as unknown as ManifestOptions;
}

/** Refuses an archive that holds something parazarr did not make, or a template made with other options. */
export async function checkExistingArchive(spec: StoreSpec, store: Store, signature: string, layout: Record<string, string>): Promise<ConversionManifest | undefined> {
  const manifest = await readManifest(store);
  if (manifest === undefined) {
    const occupied = (await store.get("/.zgroup")) ?? (await store.get("/zarr.json")) ?? (await store.get("/.zarray"));
    if (occupied !== undefined) {
      throw new TemplateMismatchError(
        `${spec.url} already holds a Zarr hierarchy that no parazarr template made (no /.parazarr/manifest.json); convert into a new path, or remove it first`,
        ["the archive has no manifest"],
      );
    }
    return undefined;
  }
  if (manifest.templateSignature === signature) return manifest;
  const before = (manifestOptions(manifest) as { layout?: Record<string, string> }).layout ?? {};
  const differences = [...new Set([...Object.keys(before), ...Object.keys(layout)])]
    .filter((k) => before[k] !== layout[k])
    .map((k) => `${k}: ${before[k] ?? "absent"} in the archive, ${layout[k] ?? "absent"} asked`);
  throw new TemplateMismatchError(
    `${spec.url} was made with another template: ${differences.join("; ") || "its signature differs"}. Use the options it was made with, or convert into a new path`,
    differences,
  );
}

export async function writeTemplate(
  spec: StoreSpec,
  model: ArchiveModel,
  time: ArchiveTime,
  template: ScannedSource,
  signature: string,
  layout: Record<string, string>,
  previous: ConversionManifest | undefined,
): Promise<ConversionManifest> {
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  const draft = withLayout(manifestOf(model, time, signature, "template", previous?.inputs ?? [], previous?.units ?? [], previous), layout);
  await writeManifest(store, draft);
  await writeRootGroup(spec, store, model);
  const statics: StaticWrite[] = [];
  for (const variable of model.variables) {
    const array = await createOrOpen(spec, model, variable);
    if (variable.role === "time") await writeRegion(array, null, castTo(time.encoded, variable.dtype));
    if (variable.role === "static") statics.push({ array, source: template.source, variable: variable.name, shape: variable.shape });
  }
  // On the plan's workers, which open the template source anyway: the
  // caller never loads a reader (h5wasm holds ≈ 100 MB per instance).
  await map(writeStatics, statics);
  const ready = withLayout(manifestOf(model, time, signature, "ready", draft.inputs, draft.units, draft), layout);
  await writeManifest(store, ready);
  return ready;
}

export function withLayout(manifest: ConversionManifest, layout: Record<string, string>): ConversionManifest {
  return { ...manifest, options: { ...manifest.options, layout } };
}

async function writeRootGroup(spec: StoreSpec, store: Store, model: ArchiveModel): Promise<void> {
  const encode = (doc: unknown) => new TextEncoder().encode(stringifyJsonExact(doc));
  if (model.zarrFormat === 3) {
    await store.set!("/zarr.json", encode({ zarr_format: 3, node_type: "group", attributes: model.attributes }));
    return;
  }
  await store.set!("/.zgroup", encode({ zarr_format: 2 }));
  await store.set!("/.zattrs", encode(model.attributes));
  await updateConsolidated(spec, store, [
    ["/.zgroup", { zarr_format: 2 }],
    ["/.zattrs", { ...model.attributes }],
  ]);
}

async function createOrOpen(spec: StoreSpec, model: ArchiveModel, v: ArchiveVariable, again = true): Promise<ZarrArray> {
  try {
    return await create(spec, v.name, {
      shape: v.shape,
      chunks: v.chunks,
      dtype: v.dtype,
      ...(model.codec !== undefined ? { codec: model.codec } : {}),
      ...(v.fillValue !== undefined ? { fillValue: v.fillValue } : {}),
      dimensionNames: v.dimensions,
      attributes: v.attributes,
      zarrFormat: model.zarrFormat,
    });
  } catch (error) {
    // A template killed half-way (the manifest still says "template", and
    // its signature is this one): the array may lack its .zattrs (create
    // writes .zarray first), so its metadata is written again. No data
    // chunk of a data variable exists yet; coordinates are rewritten next.
    if (!isArrayExistsError(error) || !again) throw error;
    const store = await openStore(spec);
    for (const name of [".zarray", ".zattrs", "zarr.json"]) await store.delete!(`/${v.name}/${name}`);
    return createOrOpen(spec, model, v, false);
  }
}

