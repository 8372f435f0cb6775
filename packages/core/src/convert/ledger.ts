/**
 * The conversion ledger: JSON documents stored in the archive itself, under
 * `/.parazarr/`. Zarr readers never look there: zarr-python and xarray
 * list only the nodes metadata names (v2 consolidated metadata, v3
 * `zarr.json` children found by listing skip names starting with "."), and
 * netCDF-C's NCZarr skips hidden names too (test/convert-ledger.test.ts
 * opens an archive with a ledger in all three).
 *
 *     /.parazarr/manifest.json          what the conversion is: inputs, units, options
 *     /.parazarr/tasks/<id>.json        a finished task: its chunks with checksums, its sources
 *     /.parazarr/failures/<id>.json     a task that failed for good, with its error
 *     /.parazarr/claims/…               claims of running writers (claims.ts)
 *
 * A task record is written only after the task's chunks are durable (the
 * convert task calls `store.flush?.(keys)` first), so a record never names
 * a chunk a power loss took away: a rerun that trusts the records skips
 * only work that is really there.
 */
import { createHash } from "node:crypto";
import type { Box, SourceIdentity } from "../sources/source.js";
import type { ChunkReceipt } from "../zarr/chunk-write.js";
import { parseJsonExact, stringifyJsonExact } from "../zarr/json.js";
import type { Store, StoreKey } from "../zarr/stores/types.js";
import { LedgerError } from "./ledger-errors.js";

export const LEDGER_PREFIX = "/.parazarr/";
export const MANIFEST_KEY: StoreKey = "/.parazarr/manifest.json";
const TASKS: StoreKey = "/.parazarr/tasks/";
const FAILURES: StoreKey = "/.parazarr/failures/";

/** A writer process: who holds a claim, who wrote a record. `token` is random per process and only identifies it; nothing here is secret. */
export interface WriterId {
  readonly host: string;
  readonly pid: number;
  /** The process's start time (ISO), so a pid reused by a later process is not taken for the writer. */
  readonly startedAt: string;
  readonly token: string;
}

export interface SourceRef {
  readonly url: string;
  readonly identity: SourceIdentity;
}

export interface ManifestUnit {
  readonly id: string;
  readonly variable: string;
  /** The element region in the archive array. */
  readonly region: Box;
  /** Indices into the manifest's `inputs`. */
  readonly sources: number[];
}

export interface ManifestInput extends SourceRef {
  readonly format: string;
  /** Archive time indices [start, stop). */
  readonly timeRange: [number, number];
  /** First and last instants, formatted. */
  readonly first: string;
  readonly last: string;
}

export interface ConversionManifest {
  readonly version: 1;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly timeDimension: string;
  readonly calendar: string;
  readonly timeUnits: string;
  /** Paths of the data arrays written by tasks. */
  readonly variables: string[];
  /** The normalized options the template depends on; a rerun compares these. */
  readonly options: Record<string, unknown>;
  /** sha256 of the data arrays' metadata as created. */
  readonly templateSignature: string;
  readonly inputs: ManifestInput[];
  readonly units: ManifestUnit[];
}

export interface TaskRecord {
  readonly id: string;
  readonly variable: string;
  readonly region: Box;
  readonly chunks: ChunkReceipt[];
  readonly emptyChunks: string[];
  readonly sources: SourceRef[];
  readonly finishedAt: string;
  readonly writer: WriterId;
}

export interface FailureRecord {
  readonly id: string;
  readonly variable: string;
  readonly region: Box;
  readonly error: { readonly name: string; readonly message: string };
  readonly attempts: number;
  readonly at: string;
  readonly sources: string[];
}

const MAX_ID = 200;

/**
 * A task's id, a safe file name and S3 key: the variable's path with "/"
 * as "~" and every byte outside [A-Za-z0-9_-] (a leading "." too, so the
 * name is never hidden; "~" itself) as %HH, then "~c" and the box as
 * start-stop per dimension joined by ".": `temp~c0-3.0-1.0-1`. Reversible
 * and unique up to 200 characters; a longer one keeps its first 160
 * characters plus "~h" and a sha256 prefix of the whole, still unique
 * (up to sha256), no longer reversible.
 */
export function taskIdOf(variable: string, chunkBox: Box): string {
  const name = variable.split("/").filter((part) => part !== "").map(encodeSegment).join("~");
  const id = `${name}~c${chunkBox.map(([start, stop]) => `${start}-${stop}`).join(".")}`;
  if (id.length <= MAX_ID) return id;
  return `${id.slice(0, 160)}~h${createHash("sha256").update(id).digest("hex").slice(0, 32)}`;
}

function encodeSegment(segment: string): string {
  let out = "";
  for (const byte of Buffer.from(segment, "utf8")) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) || (c === "." && out !== "") ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The part of a claim or record key a variable's path becomes ("a/b" → "a~b"). */
export function variableKeyPart(variable: string): string {
  return variable.split("/").filter((part) => part !== "").map(encodeSegment).join("~");
}

function checkId(id: string, what: string): void {
  if (typeof id !== "string" || !/^[A-Za-z0-9_%~-][A-Za-z0-9._%~-]*$/.test(id) || id.length > MAX_ID) {
    throw new LedgerError(`${what}: ${JSON.stringify(id)} is not a task id (use taskIdOf(variable, box))`, String(id));
  }
}

const encode = (doc: unknown) => new TextEncoder().encode(stringifyJsonExact(doc));

async function readDocument<T>(store: Store, key: StoreKey, check: (doc: unknown) => doc is T, what: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let doc: unknown;
  try {
    doc = parseJsonExact(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new LedgerError(`the ${what} ${key} is not JSON (${(cause as Error).message}); delete it to let the conversion redo its work`, key);
  }
  if (!check(doc)) throw new LedgerError(`the ${what} ${key} is not a parazarr ${what}; delete it to let the conversion redo its work`, key);
  return doc;
}

function writable(store: Store, key: StoreKey): NonNullable<Store["set"]> {
  if (store.set === undefined) throw new LedgerError(`the store is read-only: cannot write ${key}`, key);
  return store.set.bind(store);
}

const isObject = (doc: unknown): doc is Record<string, unknown> => typeof doc === "object" && doc !== null && !Array.isArray(doc);
const isManifest = (doc: unknown): doc is ConversionManifest =>
  isObject(doc) && doc.version === 1 && Array.isArray(doc.units) && Array.isArray(doc.inputs) && Array.isArray(doc.variables);
const isTaskRecord = (doc: unknown): doc is TaskRecord =>
  isObject(doc) && typeof doc.id === "string" && typeof doc.variable === "string" && Array.isArray(doc.chunks);
const isFailureRecord = (doc: unknown): doc is FailureRecord =>
  isObject(doc) && typeof doc.id === "string" && isObject(doc.error) && typeof doc.error.message === "string";

export async function writeManifest(store: Store, manifest: ConversionManifest): Promise<void> {
  await writable(store, MANIFEST_KEY)(MANIFEST_KEY, encode(manifest));
}

export function readManifest(store: Store): Promise<ConversionManifest | undefined> {
  return readDocument(store, MANIFEST_KEY, isManifest, "manifest");
}

const taskKey = (id: string): StoreKey => `${TASKS}${id}.json`;
const failureKey = (id: string): StoreKey => `${FAILURES}${id}.json`;

export async function writeTaskRecord(store: Store, record: TaskRecord): Promise<void> {
  checkId(record.id, "writeTaskRecord");
  await writable(store, taskKey(record.id))(taskKey(record.id), encode(record));
}

export async function deleteTaskRecord(store: Store, id: string): Promise<void> {
  checkId(id, "deleteTaskRecord");
  await store.delete?.(taskKey(id));
}

export async function writeFailure(store: Store, failure: FailureRecord): Promise<void> {
  checkId(failure.id, "writeFailure");
  await writable(store, failureKey(failure.id))(failureKey(failure.id), encode(failure));
}

export async function clearFailure(store: Store, id: string): Promise<void> {
  checkId(id, "clearFailure");
  await store.delete?.(failureKey(id));
}

/** One task's record, or undefined when the task has none. */
export function readTaskRecord(store: Store, id: string): Promise<TaskRecord | undefined> {
  return readDocument(store, taskKey(id), isTaskRecord, "task record");
}

export function readTaskRecords(store: Store): Promise<Map<string, TaskRecord>> {
  return readFolder(store, TASKS, isTaskRecord, "task record");
}

export function readFailures(store: Store): Promise<Map<string, FailureRecord>> {
  return readFolder(store, FAILURES, isFailureRecord, "failure record");
}

// Records are small, but an archive has tens of thousands: read several at a time, never all at once.
const READ_PARALLEL = 16;

async function readFolder<T extends { id: string }>(store: Store, folder: StoreKey, check: (doc: unknown) => doc is T, what: string): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let batch: StoreKey[] = [];
  const drain = async () => {
    const docs = await Promise.all(batch.map((key) => readDocument(store, key, check, what)));
    for (const doc of docs) if (doc !== undefined) out.set(doc.id, doc);
    batch = [];
  };
  for await (const name of listOf(store, folder)) {
    // Hidden names are the file store's temporaries of a write in flight.
    if (name.startsWith(".") || !name.endsWith(".json")) continue;
    batch.push(`${folder}${name}`);
    if (batch.length === READ_PARALLEL) await drain();
  }
  await drain();
  return out;
}

/** A store's listing, or a LedgerError when it cannot list (HTTP). */
export function listOf(store: Store, prefix: StoreKey): AsyncIterable<string> {
  if (store.list === undefined) throw new LedgerError(`this store cannot list ${prefix}, which the ledger needs (file:// and s3:// can)`, prefix);
  return store.list(prefix);
}
