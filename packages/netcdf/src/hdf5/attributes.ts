/** HDF5 attributes as a netCDF-4 reader shows them: the library's own bookkeeping left out. */
import type { AttributeValue } from "@parazarr/core";

// What netCDF-C writes to map netCDF's model onto HDF5's (dimension scales,
// ids, provenance): not the user's attributes, and ncdump does not show them.
const INTERNAL = new Set(["DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid", "_Netcdf4Coordinates", "_NCProperties", "_nc3_strict", "_SuperblockVersion", "_IsNetcdf4"]);

interface HasAttrs {
  readonly attrs: Record<string, { readonly value: unknown }>;
}

/** An entity's attributes, listed once and each read at most once. */
export interface AttributeTable {
  readonly names: readonly string[];
  /** The value as h5wasm reads it; undefined when absent or of a type h5wasm cannot read (references, opaque). */
  value(name: string): unknown;
}

// h5wasm 0.10's `attrs` getter lists the names through WASM on every access,
// and each property read builds a new Attribute (a metadata call) whose
// value is another call: reading CLASS, NAME, _Netcdf4Dimid, … one by one
// cost ≈ 14 ms of a file's ≈ 20 ms open. One table per entity, cached.
const tables = new WeakMap<object, AttributeTable>();

export function attributeTable(entity: HasAttrs): AttributeTable {
  let table = tables.get(entity);
  if (table !== undefined) return table;
  const attrs = entity.attrs;
  const values = new Map<string, unknown>();
  table = {
    names: Object.keys(attrs),
    value(name) {
      if (!values.has(name)) {
        let value: unknown;
        try {
          value = attrs[name]?.value;
        } catch {
          value = undefined;
        }
        values.set(name, value);
      }
      return values.get(name);
    },
  };
  tables.set(entity, table);
  return table;
}

export function userAttributes(entity: HasAttrs): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  const table = attributeTable(entity);
  for (const name of table.names) {
    if (INTERNAL.has(name)) continue;
    const converted = attributeValue(table.value(name));
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
