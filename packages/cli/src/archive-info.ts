/**
 * `parazarr info`'s data: an `ncdump -h` for Zarr. Walks the store's
 * hierarchy (v2 `.zarray`/`.zgroup`, v3 `zarr.json`), skipping the ledger
 * (`/.parazarr/`), opens each array through core, decodes the CF time
 * coordinate, and sums the size on disk for file:// archives. Plain JSON.
 */
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeTimes, formatInstant, LEDGER_PREFIX, open, openStore, parseTimeUnits, read, type Store, type StoreKey, type ZarrArray } from "@parazarr/core";
import { UsageError } from "./errors.js";

export interface ArrayInfo {
  readonly path: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly dimensions: readonly string[] | null;
  readonly codecs: ReadonlyArray<{ name: string; configuration: Readonly<Record<string, unknown>> }>;
  readonly fillValue: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ArchiveInfo {
  readonly archive: string;
  readonly zarrFormat: 2 | 3;
  readonly groups: string[];
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly dimensions: Record<string, number>;
  readonly arrays: ArrayInfo[];
  /** The CF time coordinate, decoded; null when there is none. */
  readonly time: { readonly variable: string; readonly units: string; readonly calendar: string; readonly steps: number; readonly first: string; readonly last: string } | null;
  /** Bytes under the archive's folder (file:// only, else null), ledger included. */
  readonly sizeOnDisk: number | null;
}

export async function archiveInfo(archive: string): Promise<ArchiveInfo> {
  const store = await openStore({ url: archive });
  const root = await nodeMetadata(store, "");
  if (root === undefined) throw new UsageError(`info: ${archive} is not a Zarr archive (no .zgroup, .zarray or zarr.json at its root)`, "ARCHIVE");
  const groups: string[] = [];
  const arrayPaths: string[] = [];
  await walk(store, "", groups, arrayPaths);
  const arrays = await Promise.all(arrayPaths.map((p) => open(archive, p)));
  return {
    archive,
    zarrFormat: root.format,
    groups,
    attributes: root.attributes,
    dimensions: dimensionsOf(arrays),
    arrays: arrays.map(arrayInfo),
    time: await timeOf(arrays),
    sizeOnDisk: archive.startsWith("file://") ? folderSize(fileURLToPath(archive)) : null,
  };
}

const parseJson = (bytes: Uint8Array | undefined): Record<string, unknown> | undefined =>
  bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>);

const key = (path: string, name: string) => `/${path === "" ? "" : `${path}/`}${name}` as StoreKey;

/** A node's kind, format and attributes, or undefined where there is none. */
async function nodeMetadata(store: Store, path: string): Promise<{ kind: "group" | "array"; format: 2 | 3; attributes: Record<string, unknown> } | undefined> {
  const v3 = parseJson(await store.get(key(path, "zarr.json")));
  if (v3 !== undefined) return { kind: v3.node_type === "array" ? "array" : "group", format: 3, attributes: (v3.attributes ?? {}) as Record<string, unknown> };
  const attributes = parseJson(await store.get(key(path, ".zattrs"))) ?? {};
  if ((await store.get(key(path, ".zarray"))) !== undefined) return { kind: "array", format: 2, attributes };
  if ((await store.get(key(path, ".zgroup"))) !== undefined) return { kind: "group", format: 2, attributes };
  return undefined;
}

async function walk(store: Store, path: string, groups: string[], arrays: string[]): Promise<void> {
  if (store.list === undefined) throw new UsageError("info: this store cannot list its keys (HTTP); info needs a file:// or s3:// archive", "ARCHIVE");
  groups.push(path === "" ? "/" : path);
  const children: string[] = [];
  for await (const name of store.list(key(path, "") as StoreKey)) if (name.endsWith("/")) children.push(name.slice(0, -1));
  for (const child of children.sort()) {
    const childPath = path === "" ? child : `${path}/${child}`;
    if (`/${childPath}/` === LEDGER_PREFIX) continue;
    const node = await nodeMetadata(store, childPath);
    if (node?.kind === "array") arrays.push(childPath);
    else if (node?.kind === "group") await walk(store, childPath, groups, arrays);
  }
}

function arrayInfo(a: ZarrArray): ArrayInfo {
  return {
    path: a.path,
    dtype: a.dtype,
    shape: a.shape,
    chunks: a.chunks,
    dimensions: a.dimensionNames ?? null,
    codecs: a.codecs.map((c) => ({ name: c.name, configuration: c.configuration })),
    fillValue: typeof a.fillValue === "bigint" ? String(a.fillValue) : a.fillValue,
    attributes: a.attributes,
  };
}

function dimensionsOf(arrays: readonly ZarrArray[]): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const a of arrays) a.dimensionNames?.forEach((name, i) => (dims[name] ??= a.shape[i]!));
  return dims;
}

async function timeOf(arrays: readonly ZarrArray[]): Promise<ArchiveInfo["time"]> {
  const time = arrays.find((a) => a.shape.length === 1 && typeof a.attributes.units === "string" && / since /.test(a.attributes.units));
  if (time === undefined) return null;
  const unitsText = time.attributes.units as string;
  const units = parseTimeUnits(unitsText, typeof time.attributes.calendar === "string" ? time.attributes.calendar : undefined);
  const { data } = await read(time, null);
  const instants = decodeTimes(data as ArrayLike<number>, units);
  const at = (i: number) => (instants.length > 0 ? formatInstant(instants[i]!, units.calendar) : "");
  return { variable: time.path, units: unitsText, calendar: units.calendar, steps: instants.length, first: at(0), last: at(instants.length - 1) };
}

function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    total += entry.isDirectory() ? folderSize(full) : lstatSync(full).size;
  }
  return total;
}
