/**
 * `open(url, path)`: reads an array's metadata once, on the caller's side,
 * into a plain handle that every later task carries.
 */
import { nodeKey, normalizeArrayPath, type ZarrArray } from "./array.js";
import { checkCodecs } from "./codecs/pipeline.js";
import { redactUrl } from "../redact.js";
import { ArrayNotFoundError } from "./errors.js";
import { parseJson, parseV2, parseV3 } from "./parse-metadata.js";
import { checkStoreKey, normalizeStoreSpec, openStore } from "./stores/index.js";
import type { StoreSpec } from "./stores/types.js";

export async function open(url: string | StoreSpec, path?: string): Promise<ZarrArray> {
  const spec = normalizeStoreSpec(url);
  const arrayPath = normalizeArrayPath(path);
  checkStoreKey(nodeKey(arrayPath, "zarr.json"), spec.url);
  const store = await openStore(spec);
  const where = `${redactUrl(spec.url)} at ${JSON.stringify(arrayPath || "/")}`;
  const v3 = await store.get(nodeKey(arrayPath, "zarr.json"));
  let array: ZarrArray;
  if (v3 !== undefined) {
    const doc = parseJson(v3, `${arrayPath || "/"}/zarr.json`);
    if (doc.node_type === "group") throw new ArrayNotFoundError(`${where} is a group, not an array`, spec.url, arrayPath);
    array = parseV3(doc, spec, arrayPath);
  } else {
    const zarray = await store.get(nodeKey(arrayPath, ".zarray"));
    if (zarray === undefined) {
      const group = await store.get(nodeKey(arrayPath, ".zgroup"));
      throw new ArrayNotFoundError(
        group ? `${where} is a group, not an array` : `no Zarr array in ${where} (neither zarr.json nor .zarray)`,
        spec.url,
        arrayPath,
      );
    }
    const zattrs = await store.get(nodeKey(arrayPath, ".zattrs"));
    const attrs = zattrs === undefined ? {} : parseJson(zattrs, `${arrayPath || "/"}/.zattrs`);
    array = parseV2(parseJson(zarray, `${arrayPath || "/"}/.zarray`), attrs, spec, arrayPath);
  }
  // An unknown codec is refused now, not in the middle of a read.
  await checkCodecs(array);
  return array;
}
