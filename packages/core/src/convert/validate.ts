/**
 * `validate(archive)`: proves what the ledger claims, against the stored
 * chunks. Each problem names the chunk or the file:
 *
 * - every recorded chunk is present and its sha256 is the recorded one
 *   (read as map tasks on the current plan, a few chunks per task, each
 *   chunk hashed and dropped: memory is bounded by a chunk, never by the
 *   archive);
 * - every manifest unit has a task record (else its time steps are not
 *   covered), and failures are reported with their error;
 * - the time coordinate is strictly increasing and as long as the data
 *   arrays' time dimension;
 * - no chunk is stored that no task recorded (the file store's hidden
 *   `.partial` temporaries are reported apart, as stale temporaries);
 * - a record whose source identity differs from the manifest's input;
 * - with `deep`, a sample of units is re-read from their sources and
 *   compared with the stored chunks, through `compareUnit` (the convert
 *   workflow supplies it: it knows how a unit is read from its sources).
 */
import { createHash } from "node:crypto";
import { mapUnordered } from "../map/map.js";
import { checkChunkGroup } from "./tasks.js";
import { compareUnitWithSources } from "./deep-check.js";
import { open } from "../zarr/open.js";
import { read } from "../zarr/read.js";
import { normalizeStoreSpec, openStore } from "../zarr/stores/index.js";
import { parseTemporaryName } from "../zarr/stores/temp-files.js";
import type { Store, StoreKey, StoreSpec } from "../zarr/stores/types.js";
import { LedgerError } from "./ledger-errors.js";
import { type ConversionManifest, type ManifestUnit, listOf, readFailures, readManifest, readTaskRecords, type TaskRecord } from "./ledger.js";

export type ProblemKind =
  | "missing-chunk"
  | "checksum-mismatch"
  | "uncovered-time"
  | "coordinate-order"
  | "coordinate-mismatch"
  | "unrecorded-chunk"
  | "stale-temporary"
  | "source-mismatch"
  | "failed-task"
  | "no-manifest";

export interface Problem {
  readonly kind: ProblemKind;
  readonly chunk?: string;
  readonly file?: string;
  readonly variable?: string;
  readonly message: string;
}

export interface ValidationReport {
  readonly ok: boolean;
  readonly problems: Problem[];
  readonly checked: {
    readonly units: number;
    readonly records: number;
    /** Recorded chunks read and hashed, and their bytes. */
    readonly chunks: number;
    readonly bytes: number;
    /** Chunk keys found in the data arrays. */
    readonly storedChunks: number;
    readonly timeSteps: number;
    readonly deepUnits: number;
  };
}

/** Re-reads `unit` from its sources and compares it with the archive; one entry per difference. */
export type UnitComparer = (archive: StoreSpec, manifest: ConversionManifest, unit: ManifestUnit) => Promise<Array<{ chunk?: string; message: string }>>;

export interface ValidateOptions {
  /** Also re-read units from their sources: all of them (true), or an evenly spread sample. */
  readonly deep?: boolean | { readonly sample: number };
  readonly compareUnit?: UnitComparer;
  readonly signal?: AbortSignal;
  /** Called as recorded chunks are checked: `done` and `total` count chunks. */
  readonly onProgress?: (progress: { done: number; total: number }) => void;
}

interface ChunkCheck {
  readonly key: StoreKey;
  readonly checksum: string;
  readonly variable: string;
}

export interface ChunkCheckGroup {
  readonly store: StoreSpec;
  readonly chunks: readonly ChunkCheck[];
}

/**
 * The worker side (the map task is declared in tasks.ts, which ssh ships
 * inside core.mjs): each chunk of the group read, hashed and compared; only
 * problems come back.
 */
export async function hashChunkGroup(group: ChunkCheckGroup, signal?: AbortSignal): Promise<{ problems: Problem[]; bytes: number; checked: number }> {
  const context = { signal };
  const store = await openStore(group.store);
  const problems: Problem[] = [];
  let bytes = 0;
  for (const { key, checksum, variable } of group.chunks) {
    context.signal?.throwIfAborted();
    const stored = await store.get(key, { signal: context.signal });
    if (stored === undefined) {
      problems.push({ kind: "missing-chunk", chunk: key, variable, message: `the chunk ${key} of ${variable} is recorded as written but is not in the store` });
      continue;
    }
    bytes += stored.byteLength;
    const actual = `sha256:${createHash("sha256").update(stored).digest("hex")}`;
    if (actual !== checksum) {
      problems.push({ kind: "checksum-mismatch", chunk: key, variable, message: `the chunk ${key} of ${variable} does not match its recorded checksum (recorded ${checksum}, stored ${actual})` });
    }
  }
  return { problems, bytes, checked: group.chunks.length };
}

const CHUNKS_PER_TASK = 8;
const METADATA = new Set([".zarray", ".zattrs", ".zgroup", ".zmetadata", "zarr.json"]);

export async function validate(archive: string | StoreSpec, options: ValidateOptions = {}): Promise<ValidationReport> {
  const spec = normalizeStoreSpec(archive);
  if (typeof options.deep === "object") spread([], options.deep.sample);
  const store = await openStore(spec);
  const manifest = await readManifest(store);
  const counts = { units: 0, records: 0, chunks: 0, bytes: 0, storedChunks: 0, timeSteps: 0, deepUnits: 0 };
  if (manifest === undefined) {
    const problem: Problem = { kind: "no-manifest", message: `${spec.url} has no conversion manifest (/.parazarr/manifest.json): nothing to validate against` };
    return { ok: false, problems: [problem], checked: counts };
  }
  const [records, failures] = await Promise.all([readTaskRecords(store), readFailures(store)]);
  counts.units = manifest.units.length;
  counts.records = records.size;
  const problems: Problem[] = [...coverage(manifest, records, failures), ...sourceChanges(manifest, records)];
  const checked = await checkChunks(spec, records, options, problems);
  counts.chunks = checked.chunks;
  counts.bytes = checked.bytes;
  counts.timeSteps = await checkTimeAxis(spec, manifest, problems);
  counts.storedChunks = await findUnrecorded(store, manifest, records, problems, options.signal);
  counts.deepUnits = await compareDeep(spec, manifest, options, problems);
  return { ok: problems.length === 0, problems, checked: counts };
}

function coverage(manifest: ConversionManifest, records: ReadonlyMap<string, TaskRecord>, failures: Awaited<ReturnType<typeof readFailures>>): Problem[] {
  const problems: Problem[] = [];
  for (const unit of manifest.units) {
    if (records.has(unit.id)) continue;
    const [start, stop] = unit.region[0] ?? [0, 0];
    const files = unit.sources.map((i) => manifest.inputs[i]?.url).filter((url): url is string => url !== undefined);
    const failure = failures.get(unit.id);
    const file = files[0];
    if (failure !== undefined) {
      problems.push({ kind: "failed-task", variable: unit.variable, ...(file !== undefined && { file }), message: `task ${unit.id} (${unit.variable}, time ${start}–${stop - 1}) failed after ${failure.attempts} attempt(s): ${failure.error.name}: ${failure.error.message}` });
    }
    problems.push({ kind: "uncovered-time", variable: unit.variable, ...(file !== undefined && { file }), message: `time steps ${start}–${stop - 1} of ${unit.variable} are not written: task ${unit.id} has no record (sources: ${files.join(", ") || "none"})` });
  }
  return problems;
}

function sourceChanges(manifest: ConversionManifest, records: ReadonlyMap<string, TaskRecord>): Problem[] {
  const identities = new Map(manifest.inputs.map((input) => [input.url, JSON.stringify(sorted(input.identity))]));
  const problems: Problem[] = [];
  for (const record of records.values()) {
    for (const source of record.sources) {
      const expected = identities.get(source.url);
      if (expected === undefined || expected === JSON.stringify(sorted(source.identity))) continue;
      problems.push({ kind: "source-mismatch", file: source.url, variable: record.variable, message: `task ${record.id} read ${source.url} as ${JSON.stringify(source.identity)}, but the manifest now has it as ${expected}: the file changed since, rerun to convert it again` });
    }
  }
  return problems;
}

const sorted = (o: object) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

async function checkChunks(spec: StoreSpec, records: ReadonlyMap<string, TaskRecord>, options: ValidateOptions, problems: Problem[]): Promise<{ chunks: number; bytes: number }> {
  let total = 0;
  for (const record of records.values()) total += record.chunks.filter((c) => c.checksum !== null).length;
  function* groups(): Generator<ChunkCheckGroup> {
    let chunks: ChunkCheck[] = [];
    for (const record of records.values()) {
      for (const c of record.chunks) {
        if (c.checksum === null) continue;
        chunks.push({ key: c.key as StoreKey, checksum: c.checksum, variable: record.variable });
        if (chunks.length === CHUNKS_PER_TASK) yield { store: spec, chunks: chunks.splice(0) };
      }
    }
    if (chunks.length > 0) yield { store: spec, chunks };
  }
  let done = 0;
  let bytes = 0;
  for await (const { value } of mapUnordered(checkChunkGroup, groups(), { ...(options.signal && { signal: options.signal }) })) {
    problems.push(...value.problems);
    bytes += value.bytes;
    done += value.checked;
    options.onProgress?.({ done, total });
  }
  return { chunks: done, bytes };
}

async function checkTimeAxis(spec: StoreSpec, manifest: ConversionManifest, problems: Problem[]): Promise<number> {
  const name = manifest.timeDimension;
  let axis;
  try {
    axis = await open(spec, name);
  } catch (cause) {
    problems.push({ kind: "coordinate-mismatch", variable: name, message: `the time coordinate ${name} cannot be opened: ${(cause as Error).message}` });
    return 0;
  }
  const values = (await read(axis, null)).data;
  for (const variable of manifest.variables) {
    const data = await open(spec, variable).catch(() => undefined);
    if (data !== undefined && data.shape[0] !== values.length) {
      problems.push({ kind: "coordinate-mismatch", variable: name, message: `the time coordinate ${name} has ${values.length} steps but ${variable} has ${data.shape[0]} along its time dimension` });
    }
  }
  for (let i = 1; i < values.length; i++) {
    if (!(Number(values[i]) > Number(values[i - 1]))) {
      problems.push({ kind: "coordinate-order", variable: name, message: `the time coordinate ${name} is not strictly increasing: step ${i} is ${values[i]} after ${values[i - 1]}` });
      break;
    }
  }
  return values.length;
}

async function findUnrecorded(store: Store, manifest: ConversionManifest, records: ReadonlyMap<string, TaskRecord>, problems: Problem[], signal?: AbortSignal): Promise<number> {
  let stored = 0;
  for (const variable of manifest.variables) {
    const recorded = new Set<string>();
    for (const record of records.values()) {
      if (record.variable !== variable) continue;
      for (const c of record.chunks) recorded.add(c.key);
      for (const key of record.emptyChunks) recorded.add(key);
    }
    const root = `/${variable.split("/").filter((p) => p !== "").join("/")}/` as StoreKey;
    for await (const key of keysUnder(store, root, signal)) {
      const name = key.slice(key.lastIndexOf("/") + 1);
      if (key.slice(root.length).indexOf("/") === -1 && METADATA.has(name)) continue;
      const temporary = parseTemporaryName(name);
      if (temporary !== undefined) {
        problems.push({ kind: "stale-temporary", chunk: key, variable, message: `${key} is a temporary a writer left behind (removeStaleTempFiles removes those of dead writers)` });
        continue;
      }
      stored++;
      if (!recorded.has(key)) problems.push({ kind: "unrecorded-chunk", chunk: key, variable, message: `the chunk ${key} of ${variable} is stored but no task recorded writing it` });
    }
  }
  return stored;
}

/** Every key under `prefix`, folder by folder: one folder's listing at a time. */
async function* keysUnder(store: Store, prefix: StoreKey, signal?: AbortSignal): AsyncGenerator<StoreKey> {
  const folders: StoreKey[] = [prefix];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    signal?.throwIfAborted();
    for await (const name of listOf(store, folder)) {
      const key = `${folder}${name}` as StoreKey;
      if (name.endsWith("/")) folders.push(key);
      else yield key;
    }
  }
}

async function compareDeep(spec: StoreSpec, manifest: ConversionManifest, options: ValidateOptions, problems: Problem[]): Promise<number> {
  const { deep } = options;
  const compareUnit = options.compareUnit ?? compareUnitWithSources;
  if (deep === undefined || deep === false) return 0;
  const units = deep === true ? manifest.units : spread(manifest.units, deep.sample);
  for (const unit of units) {
    options.signal?.throwIfAborted();
    for (const difference of await compareUnit(spec, manifest, unit)) {
      const file = unit.sources.map((i) => manifest.inputs[i]?.url).find((url) => url !== undefined);
      problems.push({ kind: "source-mismatch", variable: unit.variable, ...(file !== undefined && { file }), ...(difference.chunk !== undefined && { chunk: difference.chunk }), message: difference.message });
    }
  }
  return units.length;
}

/** `n` items evenly spread over `items` (first and last included). */
function spread<T>(items: readonly T[], n: number): T[] {
  if (!Number.isSafeInteger(n) || n < 1) throw new LedgerError(`validate: deep.sample must be a positive integer, got ${JSON.stringify(n)}`, "deep.sample");
  if (n >= items.length) return [...items];
  const step = (items.length - 1) / Math.max(1, n - 1);
  return Array.from({ length: n }, (_, i) => items[Math.round(i * step)]!);
}
