/**
 * What a Zarr store holds, as key → sha256, read through core's own store
 * layer so that the suite compares `file://` and `s3://` stores alike.
 *
 * Listing finds the metadata; the chunk keys of every array found are
 * then derived from its metadata and read one by one, rather than listed:
 * s3rver 3.7.1 (the S3 server of our tests) drops nested prefixes from
 * delimiter listings, so a v3 array's `c/` folder would never be listed
 * and its chunks would be missing from both snapshots alike.
 */
import { createHash } from "node:crypto";
import { normalizeStoreSpec, openStore, type Store, type StoreKey } from "../zarr/stores/index.js";

export async function snapshotStore(url: string): Promise<Record<string, string>> {
  const store = await openStore(normalizeStoreSpec(url));
  const keys = new Set<StoreKey>();
  await listInto(store, "/", keys);
  for (const key of [...keys]) {
    for (const chunk of chunkKeysOf(key, await store.get(key))) keys.add(chunk);
  }
  const files: Record<string, string> = {};
  for (const key of [...keys].sort()) {
    const value = await store.get(key);
    if (value !== undefined) files[key.slice(1)] = createHash("sha256").update(value).digest("hex");
  }
  return files;
}

async function listInto(store: Store, prefix: StoreKey, keys: Set<StoreKey>): Promise<void> {
  if (store.list === undefined) throw new Error(`the conformance suite needs a store it can list, got one without list()`);
  for await (const name of store.list(prefix)) {
    const key: StoreKey = `${prefix}${name}`;
    if (name.endsWith("/")) await listInto(store, key as StoreKey, keys);
    else keys.add(key);
  }
}

interface ChunkLayout {
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  /** Chunk coordinates → key below the array's folder. */
  readonly keyOf: (coords: readonly number[]) => string;
}

/** The keys of every chunk of the array whose metadata is at `key`; none for anything else. */
function chunkKeysOf(key: StoreKey, bytes: Uint8Array | undefined): StoreKey[] {
  const name = key.slice(key.lastIndexOf("/") + 1);
  if (bytes === undefined || (name !== "zarr.json" && name !== ".zarray")) return [];
  const layout = name === ".zarray" ? v2Layout(JSON.parse(Buffer.from(bytes).toString("utf8"))) : v3Layout(JSON.parse(Buffer.from(bytes).toString("utf8")));
  if (layout === undefined) return [];
  const folder = key.slice(0, key.length - name.length);
  return gridOf(layout).map((coords) => `${folder}${layout.keyOf(coords)}` as StoreKey);
}

function v2Layout(meta: { shape: number[]; chunks: number[]; dimension_separator?: string }): ChunkLayout {
  const separator = meta.dimension_separator ?? ".";
  return { shape: meta.shape, chunks: meta.chunks, keyOf: (coords) => (coords.length === 0 ? "0" : coords.join(separator)) };
}

interface V3Meta {
  node_type: string;
  shape: number[];
  chunk_grid: { configuration: { chunk_shape: number[] } };
  chunk_key_encoding?: { name: string; configuration?: { separator?: string } };
}

function v3Layout(meta: V3Meta): ChunkLayout | undefined {
  if (meta.node_type !== "array") return undefined;
  const encoding = meta.chunk_key_encoding ?? { name: "default" };
  const v2 = encoding.name === "v2";
  const separator = encoding.configuration?.separator ?? (v2 ? "." : "/");
  const keyOf = (coords: readonly number[]) =>
    v2 ? (coords.length === 0 ? "0" : coords.join(separator)) : ["c", ...coords].join(separator);
  return { shape: meta.shape, chunks: meta.chunk_grid.configuration.chunk_shape, keyOf };
}

function gridOf({ shape, chunks }: ChunkLayout): number[][] {
  let grid: number[][] = [[]];
  shape.forEach((size, axis) => {
    const count = Math.ceil(size / chunks[axis]!);
    grid = grid.flatMap((coords) => Array.from({ length: count }, (_, i) => [...coords, i]));
  });
  return grid;
}
