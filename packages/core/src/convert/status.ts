/**
 * `status(archive)`: what a conversion has done, from the ledger alone
 * (manifest, task records, failures); no chunk is read. Plain data, so
 * `JSON.stringify(await status(a))` is the CLI's `--json`.
 *
 * A unit is done when its task record exists, failed when it has a failure
 * record and no task record, missing otherwise. Time runs follow each
 * variable's units along dimension 0 (the time dimension of every data
 * array), merging neighbours in the same state.
 */
import { normalizeStoreSpec, openStore } from "../zarr/stores/index.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import { type ConversionManifest, type FailureRecord, readFailures, readManifest, readTaskRecords, type TaskRecord } from "./ledger.js";

export type UnitState = "done" | "missing" | "failed";
export type InputState = "done" | "partial" | "missing" | "failed";

export interface Counts {
  readonly units: number;
  readonly done: number;
  readonly missing: number;
  readonly failed: number;
  /** Chunks stored by done units, and their encoded bytes. */
  readonly chunks: number;
  readonly bytes: number;
}

export interface VariableStatus extends Counts {
  readonly variable: string;
}

export interface TimeRun {
  readonly variable: string;
  readonly state: UnitState;
  /** Archive time indices [start, stop). */
  readonly start: number;
  readonly stop: number;
  /** The first and last time step of the run, as the inputs' formatted instants say where they can ("" when no input covers it). */
  readonly first: string;
  readonly last: string;
}

export interface InputStatus {
  readonly url: string;
  readonly state: InputState;
  readonly units: number;
  readonly done: number;
  readonly failed: number;
  /** The most recent failure of a unit that reads this file. */
  readonly lastError?: { readonly name: string; readonly message: string; readonly at: string; readonly task: string };
}

export interface FailureStatus {
  readonly task: string;
  readonly variable: string;
  readonly error: { readonly name: string; readonly message: string };
  readonly attempts: number;
  readonly at: string;
  readonly sources: string[];
}

export interface ConversionStatus {
  readonly archive: string;
  /** False when the archive has no manifest (not a conversion, or its template was never finished): everything else is empty then. */
  readonly manifest: boolean;
  readonly overall: Counts & { readonly inputs: Readonly<Record<InputState, number>> };
  readonly variables: VariableStatus[];
  readonly timeRanges: TimeRun[];
  readonly inputs: InputStatus[];
  readonly failures: FailureStatus[];
}

export async function status(archive: string | StoreSpec): Promise<ConversionStatus> {
  const spec = normalizeStoreSpec(archive);
  const store = await openStore(spec);
  const manifest = await readManifest(store);
  if (manifest === undefined) return emptyStatus(spec.url);
  const [records, failures] = await Promise.all([readTaskRecords(store), readFailures(store)]);
  return statusOf(spec.url, manifest, records, failures);
}

export function statusOf(
  archive: string,
  manifest: ConversionManifest,
  records: ReadonlyMap<string, TaskRecord>,
  failures: ReadonlyMap<string, FailureRecord>,
): ConversionStatus {
  const stateOf = (id: string): UnitState => (records.has(id) ? "done" : failures.has(id) ? "failed" : "missing");
  const variables = manifest.variables.map((variable) => {
    const units = manifest.units.filter((unit) => unit.variable === variable);
    return { variable, ...countsOf(units.map((unit) => unit.id), stateOf, records) };
  });
  const inputs = manifest.inputs.map((input, index) => {
    const ids = manifest.units.filter((unit) => unit.sources.includes(index)).map((unit) => unit.id);
    return inputStatus(input.url, ids, stateOf, failures);
  });
  const overall = countsOf(manifest.units.map((unit) => unit.id), stateOf, records);
  const byState = { done: 0, partial: 0, missing: 0, failed: 0 };
  for (const input of inputs) byState[input.state]++;
  return {
    archive,
    manifest: true,
    overall: { ...overall, inputs: byState },
    variables,
    timeRanges: manifest.variables.flatMap((variable) => timeRuns(manifest, variable, stateOf)),
    inputs,
    failures: [...failures.values()]
      .filter((failure) => !records.has(failure.id))
      .map((f) => ({ task: f.id, variable: f.variable, error: { name: f.error.name, message: f.error.message }, attempts: f.attempts, at: f.at, sources: [...f.sources] })),
  };
}

function countsOf(ids: readonly string[], stateOf: (id: string) => UnitState, records: ReadonlyMap<string, TaskRecord>): Counts {
  const counts = { units: ids.length, done: 0, missing: 0, failed: 0, chunks: 0, bytes: 0 };
  for (const id of ids) {
    counts[stateOf(id)]++;
    for (const chunk of records.get(id)?.chunks ?? []) {
      counts.chunks++;
      counts.bytes += chunk.bytes;
    }
  }
  return counts;
}

function inputStatus(url: string, ids: readonly string[], stateOf: (id: string) => UnitState, failures: ReadonlyMap<string, FailureRecord>): InputStatus {
  const states = ids.map(stateOf);
  const done = states.filter((s) => s === "done").length;
  const failed = states.filter((s) => s === "failed").length;
  const state: InputState = ids.length > 0 && done === ids.length ? "done" : done > 0 ? "partial" : failed > 0 ? "failed" : "missing";
  let last: FailureRecord | undefined;
  for (const id of ids) {
    const failure = stateOf(id) === "failed" ? failures.get(id) : undefined;
    if (failure !== undefined && (last === undefined || failure.at > last.at)) last = failure;
  }
  return {
    url,
    state,
    units: ids.length,
    done,
    failed,
    ...(last !== undefined && { lastError: { name: last.error.name, message: last.error.message, at: last.at, task: last.id } }),
  };
}

function timeRuns(manifest: ConversionManifest, variable: string, stateOf: (id: string) => UnitState): TimeRun[] {
  const spans = manifest.units
    .filter((unit) => unit.variable === variable && unit.region.length > 0)
    .map((unit) => ({ start: unit.region[0]![0], stop: unit.region[0]![1], state: stateOf(unit.id) }))
    .sort((a, b) => a.start - b.start);
  const runs: Array<{ start: number; stop: number; state: UnitState }> = [];
  for (const span of spans) {
    const previous = runs.at(-1);
    // Units that split a time chunk along other dimensions share a start: a run is failed if any is, else missing if any is.
    if (previous !== undefined && span.start < previous.stop) {
      previous.state = worse(previous.state, span.state);
      previous.stop = Math.max(previous.stop, span.stop);
    } else if (previous !== undefined && previous.stop === span.start && previous.state === span.state) previous.stop = span.stop;
    else runs.push({ ...span });
  }
  return runs.map((run) => ({ variable, ...run, first: instantAt(manifest, run.start), last: instantAt(manifest, run.stop - 1) }));
}

const RANK: Record<UnitState, number> = { done: 0, missing: 1, failed: 2 };
const worse = (a: UnitState, b: UnitState): UnitState => (RANK[a] >= RANK[b] ? a : b);

/** An input's formatted first or last instant when `index` is one of its ends; else "". */
function instantAt(manifest: ConversionManifest, index: number): string {
  for (const input of manifest.inputs) {
    if (input.timeRange[0] === index) return input.first;
    if (input.timeRange[1] - 1 === index) return input.last;
  }
  return "";
}

function emptyStatus(archive: string): ConversionStatus {
  const none = { units: 0, done: 0, missing: 0, failed: 0, chunks: 0, bytes: 0 };
  return { archive, manifest: false, overall: { ...none, inputs: { done: 0, partial: 0, missing: 0, failed: 0 } }, variables: [], timeRanges: [], inputs: [], failures: [] };
}
