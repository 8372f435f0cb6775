/**
 * Zarr v2 consolidated metadata: one `.zmetadata` at the root holding every
 * `.zgroup`, `.zarray` and `.zattrs` document, so xarray (and zarr-python's
 * `open_consolidated`) learn the whole hierarchy with one read.
 *
 * `create` keeps it up to date as it adds nodes. That update is a
 * read-modify-write of one file: two at once keep only one of their
 * entries, so the updates of one process go one at a time, per store.
 * Other processes (one writer per source file) do not see that queue:
 * `consolidate(url)` rebuilds the file from what is stored.
 */
import { nodeKey } from "./array.js";
import { MetadataError, ReadOnlyStoreError } from "./errors.js";
import { stringifyJsonExact } from "./json.js";
import { oneAtATime } from "./one-at-a-time.js";
import { parseJson } from "./parse-metadata.js";
import { StoreSpecError } from "./stores/errors.js";
import { normalizeStoreSpec, openStore, type Store } from "./stores/index.js";
import type { StoreKey, StoreSpec } from "./stores/types.js";

type Json = Record<string, unknown>;

// Exact digits: 64-bit fill values in the documents must not be rounded (json.ts).
const encode = (doc: Json) => new TextEncoder().encode(stringifyJsonExact(doc));

export function updateConsolidated(spec: StoreSpec, store: Store, entries: ReadonlyArray<[key: string, doc: Json]>): Promise<void> {
  return oneAtATime(".zmetadata", spec, async () => {
    const existing = await store.get("/.zmetadata");
    const current = existing === undefined ? {} : parseJson(existing, ".zmetadata");
    const metadata = { ...((current.metadata as Json | undefined) ?? {}) };
    if (!(".zgroup" in metadata)) {
      const root = await store.get("/.zgroup");
      if (root !== undefined) metadata[".zgroup"] = parseJson(root, ".zgroup");
    }
    // Keys in .zmetadata are relative to the root: "temperature/.zarray".
    for (const [key, doc] of entries) metadata[key.slice(1)] = doc;
    await store.set!("/.zmetadata", encode({ metadata, zarr_consolidated_format: 1 }));
  });
}

const NODE_FILES = [".zgroup", ".zarray", ".zattrs"];

/**
 * Rebuilds `.zmetadata` from the metadata stored under `url`: for archives
 * grown by independent processes, each of which only knew its own nodes.
 * Resolves to the keys it lists ("temperature/.zarray", …), sorted.
 */
export async function consolidate(url: string | StoreSpec): Promise<string[]> {
  const spec = normalizeStoreSpec(url);
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  if (store.list === undefined) {
    throw new StoreSpecError(`consolidate: the store at ${spec.url} cannot list its keys; consolidate needs a file:// store`, spec.url);
  }
  return oneAtATime(".zmetadata", spec, async () => {
    const metadata: Json = {};
    await collectNodes(store, "", metadata);
    if (Object.keys(metadata).length === 0) {
      throw new MetadataError(`consolidate: ${spec.url} holds no Zarr v2 group or array (.zgroup, .zarray)`, ".zgroup");
    }
    const keys = Object.keys(metadata).sort();
    const sorted = Object.fromEntries(keys.map((key) => [key, metadata[key]]));
    await store.set!("/.zmetadata", encode({ metadata: sorted, zarr_consolidated_format: 1 }));
    return keys;
  });
}

/** Adds the node at `path` and everything below it; an array holds no nodes, so its chunk folders are not walked. */
async function collectNodes(store: Store, path: string, metadata: Json): Promise<void> {
  const dir: StoreKey = path === "" ? "/" : `/${path}/`;
  const names: string[] = [];
  for await (const name of store.list!(dir)) names.push(name);
  const isArray = names.includes(".zarray");
  for (const name of NODE_FILES) {
    if (!names.includes(name)) continue;
    const key = nodeKey(path, name);
    const bytes = await store.get(key);
    if (bytes !== undefined) metadata[key.slice(1)] = parseJson(bytes, key.slice(1));
  }
  if (isArray) return;
  for (const name of names) {
    if (name.endsWith("/") && !name.startsWith(".")) await collectNodes(store, path === "" ? name.slice(0, -1) : `${path}/${name.slice(0, -1)}`, metadata);
  }
}
