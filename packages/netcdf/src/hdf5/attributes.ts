/** HDF5 attributes as a netCDF-4 reader shows them: the library's own bookkeeping left out. */
import type { AttributeValue } from "@parazarr/core";

// What netCDF-C writes to map netCDF's model onto HDF5's (dimension scales,
// ids, provenance): not the user's attributes, and ncdump does not show them.
const INTERNAL = new Set(["DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates", "_NCProperties", "_nc3_strict", "_SuperblockVersion", "_IsNetcdf4"]);

interface HasAttrs {
  readonly attrs: Record<string, { readonly value: unknown }>;
}

export function userAttributes(entity: HasAttrs): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, attribute] of Object.entries(entity.attrs)) {
    if (INTERNAL.has(name)) continue;
    let value: unknown;
    try {
      value = attribute.value;
    } catch {
      continue; // a type h5wasm cannot read (references, opaque): not a netCDF attribute
    }
    const converted = attributeValue(value);
    if (converted !== undefined) out[name] = converted;
  }
  return out;
}

/** Text stays text; one number is a number; 64-bit integers are numbers where exact, bigints beyond 2^53. */
function attributeValue(value: unknown): AttributeValue | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return exact(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const values = Array.from(value as unknown as ArrayLike<number | bigint>, exact);
    return values.length === 1 ? values[0]! : values;
  }
  // An NC_STRING attribute with several strings: one per line.
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join("\n");
  return undefined;
}

function exact(value: number | bigint): number | bigint {
  if (typeof value === "number") return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}
