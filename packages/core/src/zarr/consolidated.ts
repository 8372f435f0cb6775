/**
 * Zarr v2 consolidated metadata: one `.zmetadata` at the root holding every
 * `.zgroup`, `.zarray` and `.zattrs` document, so xarray (and zarr-python's
 * `open_consolidated`) learn the whole hierarchy with one read. Stores have
 * no listing here, so it is kept up to date as `create` adds nodes.
 */
import type { Store } from "./stores/types.js";
import { stringifyJsonExact } from "./json.js";
import { parseJson } from "./parse-metadata.js";

type Json = Record<string, unknown>;

export async function updateConsolidated(store: Store, entries: ReadonlyArray<[key: string, doc: Json]>): Promise<void> {
  const existing = await store.get("/.zmetadata");
  const current = existing === undefined ? {} : parseJson(existing, ".zmetadata");
  const metadata = { ...((current.metadata as Json | undefined) ?? {}) };
  if (!(".zgroup" in metadata)) {
    const root = await store.get("/.zgroup");
    if (root !== undefined) metadata[".zgroup"] = parseJson(root, ".zgroup");
  }
  // Keys in .zmetadata are relative to the root: "temperature/.zarray".
  for (const [key, doc] of entries) metadata[key.slice(1)] = doc;
  const doc = { metadata, zarr_consolidated_format: 1 };
  await store.set!("/.zmetadata", new TextEncoder().encode(stringifyJsonExact(doc)));
}
