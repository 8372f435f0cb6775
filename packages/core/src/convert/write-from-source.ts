/**
 * `writeFromSource(source, archive)`: one independent writer, zarrify's
 * `write-region file.nc archive`, started in its own process or on its own
 * host while others write other files. Its region comes from the source's
 * time values matched against the archive's time coordinate. It must cover
 * whole chunks, and it is claimed in the ledger (an exclusive create per
 * chunk) before anything is written: a region that cuts chunks or overlaps
 * a live writer's claim is refused, naming the chunk or the other writer.
 */
import { getPlan } from "../plan/current.js";
import { ReadOnlyStoreError } from "../zarr/errors.js";
import { checkEdgesAligned } from "../zarr/write.js";
import { open } from "../zarr/open.js";
import { read } from "../zarr/read.js";
import { normalizeStoreSpec, openStore } from "../zarr/stores/index.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import { checkStoreShared } from "../zarr/shared-store.js";
import type { ZarrArray } from "../zarr/array.js";
import type { ArchiveTime } from "./archive-time.js";
import { archiveTimeOf, placeSource } from "./archive-time.js";
import { decodeTimes, parseTimeUnits } from "./cf-time.js";
import { checkSources } from "./check-sources.js";
import { claimChunks, type Claim } from "./claims.js";
import { callWriter } from "./writer.js";
import { planUnits } from "./convert-plan.js";
import { ProgressReporter, runUnits, unitTask, type ConvertSummary } from "./convert.js";
import { toSourceSpec, type SourceInput } from "./inputs.js";
import { readManifest, readTaskRecord } from "./ledger.js";
import { checkNames, checkRunOptions, RUN_OPTIONS, type RunOptions } from "./options.js";
import { scanAll, type Prepared } from "./prepare.js";
import { manifestOptions } from "./template.js";
import { ConvertFailedError, ConvertOptionError, SourceMismatchError, TemplateMismatchError } from "./workflow-errors.js";

export interface WriteFromSourceOptions extends RunOptions {
  /** The archive time indices [start, stop) to write; default from the source's time values. Checked against them either way. */
  readonly region?: readonly [number, number];
}

export async function writeFromSource(source: SourceInput, archive: string | StoreSpec, options: WriteFromSourceOptions = {}): Promise<ConvertSummary> {
  const started = Date.now();
  checkNames("writeFromSource", options, [...RUN_OPTIONS, "region"]);
  const run = checkRunOptions("writeFromSource", options);
  const spec = normalizeStoreSpec(archive);
  const sourceSpec = toSourceSpec("writeFromSource", source);
  checkStoreShared("writeFromSource", spec, getPlan());
  checkStoreShared("writeFromSource", { url: sourceSpec.url }, getPlan());
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  const manifest = await readManifest(store);
  if (manifest === undefined || manifestOptions(manifest).state !== "ready") {
    throw new TemplateMismatchError(`writeFromSource: ${spec.url} has no finished parazarr template; run createTemplate first`, ["no template"]);
  }
  const model = manifestOptions(manifest).model;
  const [scan] = await scanAll([sourceSpec], { timeDimension: model.timeDimension }, { retries: run.retries, signal: run.signal, repack: run.repack });
  const time = await archiveTime(spec, manifest.timeUnits, manifest.calendar, model.timeDimension);
  const checked = await checkSources(model, time, async (name) => Array.from((await read(await open(spec, name), null)).data as ArrayLike<number>, Number), [scan!], run.repack);
  const placement = checked[0]!.placement;
  if (options.region !== undefined) checkGivenRegion(options.region, placement, sourceSpec.url);
  const prepared: Prepared = { scans: [scan!], template: scan!, time, model, signature: manifest.templateSignature, layout: {}, checked };
  const arrays = new Map<string, ZarrArray>();
  for (const v of model.variables) if (v.role === "data") arrays.set(v.name, await open(spec, v.name));
  for (const array of arrays.values()) checkAligned(array, model.timeDimension, placement);
  const writer = callWriter();
  const claims: Claim[] = [];
  try {
    for (const array of arrays.values()) {
      const t = array.dimensionNames?.indexOf(model.timeDimension) ?? 0;
      const size = array.chunks[t]!;
      claims.push(await claimChunks(store, { variable: array.path, chunks: [placement.start / size, Math.ceil(placement.stop / size) - 1], writer }));
    }
    const units = [...planUnits(model, [{ index: 0, ...placement }])];
    // This file's units only: reading every record of the archive, once per writer, grows with the archive.
    const recorded = new Set<string>();
    for (const unit of units) if ((await readTaskRecord(store, unit.id)) !== undefined) recorded.add(unit.id);
    const progress = new ProgressReporter(run.onProgress, 1, started);
    progress.start(units, units);
    const failures = await runUnits(units, (u) => unitTask(u, arrays, prepared, spec, writer, recorded.has(u.id)), run, progress, store);
    if (failures.length > 0) {
      throw new ConvertFailedError(`writeFromSource: ${failures.length} of ${units.length} tasks failed: ${failures[0]!.error.message}`, failures);
    }
    return progress.summary(spec.url, prepared);
  } finally {
    await Promise.all(claims.map((c) => c.release()));
  }
}

async function archiveTime(spec: StoreSpec, unitsText: string, calendarName: string, name: string): Promise<ArchiveTime> {
  const units = parseTimeUnits(unitsText, calendarName);
  const { data } = await read(await open(spec, name), null);
  const encoded = Float64Array.from(data as ArrayLike<number | bigint>, Number);
  return archiveTimeOf(units, unitsText, decodeTimes(encoded, units), encoded, "global");
}

function checkGivenRegion(region: readonly [number, number], placement: { start: number; stop: number }, url: string): void {
  const [start, stop] = region;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || start < 0 || stop <= start) {
    throw new ConvertOptionError(`writeFromSource: region must be [start, stop) time indices with start < stop, got ${JSON.stringify(region)}`, "region");
  }
  if (start !== placement.start || stop !== placement.stop) {
    throw new SourceMismatchError(
      `${url}: its times sit at archive indices ${placement.start}:${placement.stop}, not at the region ${start}:${stop} given`,
      url,
    );
  }
}

function checkAligned(array: ZarrArray, time: string, placement: { start: number; stop: number }): void {
  checkEdgesAligned(array, array.dimensionNames?.indexOf(time) ?? 0, placement.start, placement.stop);
}

