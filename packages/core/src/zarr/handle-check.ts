/**
 * `read` and `writeRegion` take the handle `open`/`create` returned; after a
 * structured clone or a JSON round trip it is still plain data, so this
 * checks its shape rather than its class.
 */
import { nodeKey, type ZarrArray } from "./array.js";
import { isDType } from "./dtype.js";
import { MetadataError } from "./errors.js";
import { parseFillValue } from "./fill-value.js";
import { refuseCredentials } from "./stores/index.js";
import { checkStoreKey } from "./stores/key-guard.js";

export function checkArrayHandle(where: string, array: unknown): asserts array is ZarrArray {
  const a = array as Partial<ZarrArray> | null;
  const ok =
    typeof a === "object" &&
    a !== null &&
    typeof a.store?.url === "string" &&
    typeof a.path === "string" &&
    Array.isArray(a.shape) &&
    Array.isArray(a.chunks) &&
    a.shape.length === a.chunks.length &&
    isDType(a.dtype) &&
    Array.isArray(a.codecs);
  if (!ok) {
    throw new MetadataError(`${where}: expected an array handle from open() or create(), got ${typeof array}`, "array");
  }
  // A handle is data a caller can edit: its path must not lead out of the
  // store, nor its URL carry credentials into task messages, and its fill
  // value must fit its dtype (a Uint8Array would store 300 as 44).
  refuseCredentials(a.store!.url);
  checkStoreKey(nodeKey(a.path!, "zarr.json"), a.store!.url);
  parseFillValue(a.fillValue, a.dtype!, `${where}: array.fillValue`);
}
