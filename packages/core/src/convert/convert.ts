/**
 * `convert(inputs, archive, options)`: the whole job, as map tasks on the
 * current plan. Scan every input, decide the template (or check the one the
 * archive has), plan the work by output chunk, skip what the ledger records
 * as done with the same sources, and run the rest. A killed run leaves
 * whole chunks and records only for finished tasks: running it again gives
 * the same archive as an uninterrupted run.
 */
import { getPlan } from "../plan/current.js";
import { mapUnorderedSettled } from "../map/map.js";
import { isAbortError, type TaskError } from "../errors.js";
import { redactText } from "../redact.js";
import { normalizeStoreSpec, openStore } from "../zarr/stores/index.js";
import type { Store, StoreSpec } from "../zarr/stores/types.js";
import { checkStoreShared } from "../zarr/shared-store.js";
import { ReadOnlyStoreError } from "../zarr/errors.js";
import { open } from "../zarr/open.js";
import { removeStaleTempFiles } from "../zarr/stale-temp-files.js";
import type { ZarrArray } from "../zarr/array.js";
import type { SourceSpec } from "../sources/source.js";
import { claimArchive } from "./claims.js";
import { callWriter } from "./writer.js";
import { recordMatches, type UnitResult, type UnitTask } from "./convert-task.js";
import { planUnits, type Unit } from "./convert-plan.js";
import { toSourceSpec, toSourceSpecs, type SourceInput } from "./inputs.js";
import { readTaskRecord, readTaskRecords, writeFailure, writeManifest, type ConversionManifest, type ManifestInput, type TaskRecord, type WriterId } from "./ledger.js";
import { checkNames, checkRunOptions, checkTemplateOptions, RUN_OPTIONS, TEMPLATE_OPTIONS, type ConvertOptions, type ConvertProgress } from "./options.js";
import { prepare, type Prepared } from "./prepare.js";
import { convertUnits } from "./tasks.js";
import { timeRange } from "./archive-time.js";
import { checkExistingArchive, manifestOf, withLayout, writeTemplate } from "./template.js";
import { ConvertFailedError } from "./workflow-errors.js";

export interface ConvertSummary {
  readonly archive: string;
  readonly files: number;
  readonly tasks: { readonly total: number; readonly written: number; readonly skipped: number; readonly failed: number };
  readonly chunksWritten: number;
  readonly bytesWritten: number;
  readonly clipped: number;
  readonly timeSteps: number;
  readonly first: string;
  readonly last: string;
  readonly elapsedMs: number;
}

const OPTIONS = [...TEMPLATE_OPTIONS, ...RUN_OPTIONS, "template"];

export async function convert(inputs: Iterable<SourceInput>, archive: string | StoreSpec, options: ConvertOptions = {}): Promise<ConvertSummary> {
  const started = Date.now();
  checkNames("convert", options, OPTIONS);
  checkTemplateOptions("convert", options);
  const run = checkRunOptions("convert", options);
  const sources = toSourceSpecs("convert", inputs);
  const templateSource = options.template === undefined ? sources[0]! : toSourceSpec("convert", options.template);
  const spec = normalizeStoreSpec(archive);
  checkStoreShared("convert", spec, getPlan());
  // Workers open the sources themselves: a local path must be one every worker sees.
  for (const source of [...sources, templateSource]) checkStoreShared("convert", { url: source.url }, getPlan());
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  const progress = new ProgressReporter(run.onProgress, sources.length, started);
  // Everything that can refuse the sources or the options runs before the
  // archive is claimed: a refusal leaves the archive path untouched.
  const prepared = await prepare(templateSource, sources, options, {
    retries: run.retries,
    signal: run.signal,
    repack: run.repack,
    onScan: (done, total) => progress.scan(done, total),
  });
  const writer = callWriter();
  const claim = await claimArchive(store, writer);
  try {
    let manifest = await checkExistingArchive(spec, store, prepared.signature, prepared.layout);
    // A rerun after a kill: the killed run's chunk temporaries (file stores)
    // would stay forever next to chunks this run skips. Only dead writers'
    // are removed; the archive claim keeps other converts out meanwhile.
    if (manifest !== undefined) await removeStaleTempFiles(spec);
    if (manifest === undefined || (manifest.options as { state?: string }).state !== "ready") {
      progress.phase("template");
      manifest = await writeTemplate(spec, prepared.model, prepared.time, prepared.template, prepared.signature, prepared.layout, manifest);
    }
    const units = [...planUnits(prepared.model, prepared.checked.map((c, index) => ({ index, ...c.placement })))];
    await writeManifest(store, withLayout(planManifest(prepared, sources, units, manifest), prepared.layout));
    const records = await readTaskRecords(store);
    const arrays = await openArrays(spec, prepared);
    const todo = units.filter((u) => !isDone(records.get(u.id), u, prepared));
    progress.start(units, todo);
    const failures = await runUnits(todo, (u) => unitTask(u, arrays, prepared, spec, writer, records.has(u.id)), run, progress, store);
    // Once more at the end: a worker process of the killed run outlives it
    // by up to half a second (processes' parent watch) and may still have
    // been filling a temporary when this run started.
    await removeStaleTempFiles(spec);
    const summary = progress.summary(spec.url, prepared);
    if (failures.length > 0) {
      throw new ConvertFailedError(
        `convert: ${failures.length} of ${units.length} tasks failed (everything else is written and recorded; run again to retry them): ` +
          failures.slice(0, 3).map((f) => `${f.task} (${f.files.join(", ")}): ${f.error.message}`).join("; ") +
          (failures.length > 3 ? `; and ${failures.length - 3} more` : ""),
        failures,
      );
    }
    return summary;
  } finally {
    await claim.release();
  }
}

export function planManifest(prepared: Prepared, sources: readonly SourceSpec[], units: Unit[], previous: ConversionManifest): ConversionManifest {
  const { calendar, instants } = prepared.time;
  const inputs: ManifestInput[] = prepared.scans.map((scan, i) => {
    const { start, stop } = prepared.checked[i]!.placement;
    return {
      url: sources[i]!.url,
      format: sources[i]!.format,
      identity: scan.identity,
      timeRange: [start, stop],
      ...timeRange(instants, calendar, start, stop),
    };
  });
  const manifestUnits = units.map((u) => ({ id: u.id, variable: u.variable, region: u.region, sources: u.pieces.map((p) => p.input) }));
  return manifestOf(prepared.model, prepared.time, prepared.signature, "ready", inputs, manifestUnits, previous);
}

async function openArrays(spec: StoreSpec, prepared: Prepared): Promise<Map<string, ZarrArray>> {
  const arrays = new Map<string, ZarrArray>();
  for (const v of prepared.model.variables) if (v.role === "data") arrays.set(v.name, await open(spec, v.name));
  return arrays;
}

/** Done: recorded, from the same sources with the same identities. A changed or added source redoes the unit. */
function isDone(record: TaskRecord | undefined, unit: Unit, prepared: Prepared): boolean {
  return recordMatches(record, unit.pieces.map((p) => ({ url: prepared.scans[p.input]!.source.url, identity: prepared.scans[p.input]!.identity })));
}

export function unitTask(unit: Unit, arrays: Map<string, ZarrArray>, prepared: Prepared, archive: StoreSpec, writer: WriterId, replaces: boolean): UnitTask {
  const array = arrays.get(unit.variable)!;
  return {
    id: unit.id,
    array,
    region: unit.region,
    timeAxis: array.dimensionNames?.indexOf(prepared.model.timeDimension) ?? 0,
    pieces: unit.pieces.map((p) => {
      const scan = prepared.scans[p.input]!;
      return {
        source: scan.source,
        identity: scan.identity,
        variable: unit.variable,
        fileStart: p.fileStart,
        archiveStart: p.archiveStart,
        count: p.count,
        transform: prepared.checked[p.input]!.transforms[unit.variable]!,
      };
    }),
    archive,
    writer,
    replaces,
  };
}

interface Failure {
  readonly task: string;
  readonly files: string[];
  readonly error: TaskError;
}

/** Consecutive units that read the same slices of the same files (the variables of one time chunk): one task. */
function sameReads(a: Unit, b: Unit): boolean {
  return a.pieces.length === b.pieces.length && a.pieces.every((p, i) => {
    const q = b.pieces[i]!;
    return p.input === q.input && p.archiveStart === q.archiveStart && p.count === q.count;
  });
}

function groupUnits(todo: readonly Unit[]): Unit[][] {
  const groups: Unit[][] = [];
  for (const unit of todo) {
    const last = groups.at(-1);
    if (last !== undefined && sameReads(last[0]!, unit)) last.push(unit);
    else groups.push([unit]);
  }
  return groups;
}

/** Runs the units on the plan; each failure (after its retries) is recorded in the ledger and reported, never silently dropped. */
export async function runUnits(
  todo: readonly Unit[],
  toTask: (u: Unit) => UnitTask,
  run: { retries: number; signal: AbortSignal | undefined },
  progress: ProgressReporter,
  store: Store,
): Promise<Failure[]> {
  const failures: Failure[] = [];
  const groups = groupUnits(todo);
  // Task inputs are built as the scheduler asks for them: memory stays flat however many units there are.
  const inputs = (function* () {
    for (const group of groups) yield group.map(toTask);
  })();
  // Settled: the call (and the archive claim released after it) ends only
  // when no task of it can still store a chunk, even when cancelled.
  const options = { retries: run.retries, errors: "collect" as const, ...(run.signal ? { signal: run.signal } : {}) };
  const results = mapUnorderedSettled(convertUnits, inputs, options, false);
  for await (const event of results as AsyncIterable<{ index: number; value?: UnitResult[]; error?: TaskError }>) {
    const group = groups[event.index]!;
    if (event.error === undefined) {
      group.forEach((unit, i) => progress.done(unit, event.value![i]!));
      continue;
    }
    if (isAbortError(event.error)) throw event.error;
    for (const unit of group) {
      // The units of the group that finished before the failure have their record: they are done.
      if ((await readTaskRecord(store, unit.id)) !== undefined) {
        progress.done(unit, { chunks: 0, bytes: 0, clipped: 0 });
        continue;
      }
      const files = [...new Set(toTask(unit).pieces.map((p) => p.source.url))];
      failures.push({ task: unit.id, files, error: event.error });
      await writeFailure(store, {
        id: unit.id,
        variable: unit.variable,
        region: unit.region,
        error: { name: event.error.cause instanceof Error ? event.error.cause.name : event.error.name, message: redactText(event.error.message) },
        attempts: event.error.attempt ?? 1,
        at: new Date().toISOString(),
        sources: files,
      });
      progress.failed(unit);
    }
  }
  return failures;
}

/** Files, tasks, chunks and bytes as they complete, for onProgress and the summary. */
export class ProgressReporter {
  private total = 0;
  private doneCount = 0;
  private failedCount = 0;
  private skipped = 0;
  private chunks = 0;
  private bytes = 0;
  private clipped = 0;
  private filesDone = 0;
  private currentPhase: ConvertProgress["phase"] = "scan";
  private readonly unitsLeft = new Map<number, number>();

  constructor(
    private readonly onProgress: ((p: ConvertProgress) => void) | undefined,
    private readonly files: number,
    private readonly started: number,
  ) {}

  scan(done: number, total: number): void {
    this.emit({ done, total, failed: 0 });
  }

  phase(phase: ConvertProgress["phase"]): void {
    this.currentPhase = phase;
    this.emit({ done: 0, total: undefined, failed: 0 });
  }

  start(units: readonly Unit[], todo: readonly Unit[]): void {
    this.currentPhase = "write";
    this.total = units.length;
    this.skipped = units.length - todo.length;
    for (const u of todo) for (const p of u.pieces) this.unitsLeft.set(p.input, (this.unitsLeft.get(p.input) ?? 0) + 1);
    this.filesDone = this.files - this.unitsLeft.size;
    this.report();
  }

  done(unit: Unit, r: { chunks: number; bytes: number; clipped: number }): void {
    this.doneCount++;
    this.chunks += r.chunks;
    this.bytes += r.bytes;
    this.clipped += r.clipped;
    this.settle(unit);
  }

  failed(unit: Unit): void {
    this.failedCount++;
    this.settle(unit);
  }

  private settle(unit: Unit): void {
    for (const p of unit.pieces) {
      const left = (this.unitsLeft.get(p.input) ?? 1) - 1;
      this.unitsLeft.set(p.input, left);
      if (left === 0) this.filesDone++;
    }
    this.report();
  }

  private report(): void {
    this.emit({ done: this.skipped + this.doneCount + this.failedCount, total: this.total, failed: this.failedCount });
  }

  private emit(counts: { done: number; total: number | undefined; failed: number }): void {
    this.onProgress?.({
      ...counts,
      phase: this.currentPhase,
      filesDone: this.filesDone,
      files: this.files,
      chunksWritten: this.chunks,
      bytesWritten: this.bytes,
      skipped: this.skipped,
      clipped: this.clipped,
      elapsedMs: Date.now() - this.started,
    });
  }

  summary(archive: string, prepared: Prepared): ConvertSummary {
    const { instants, calendar } = prepared.time;
    return {
      archive,
      files: this.files,
      tasks: { total: this.total, written: this.doneCount, skipped: this.skipped, failed: this.failedCount },
      chunksWritten: this.chunks,
      bytesWritten: this.bytes,
      clipped: this.clipped,
      timeSteps: instants.length,
      ...timeRange(instants, calendar),
      elapsedMs: Date.now() - this.started,
    };
  }
}
