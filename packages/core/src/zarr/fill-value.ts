/**
 * Fill values as Zarr JSON spells them: floats may be "NaN", "Infinity" or
 * "-Infinity" (JSON has no such numbers), 64-bit integers may exceed what a
 * double holds, and v2 allows null ("no fill value"), read here as 0 like
 * numpy's zeros.
 */
import { isBigInt, isFloat, type DType } from "./dtype.js";
import { MetadataError } from "./errors.js";

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

export function parseFillValue(value: unknown, dtype: DType, field: string): number | bigint {
  const bad = () =>
    new MetadataError(`${field}: fill value ${JSON.stringify(String(value))} is not a valid ${dtype}`, field);
  if (value === null || value === undefined) return isBigInt(dtype) ? 0n : 0;
  if (isBigInt(dtype)) {
    if (typeof value === "bigint") return value;
    if ((typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^-?\d+$/.test(value))) {
      return BigInt(value);
    }
    throw bad();
  }
  if (typeof value === "string" && isFloat(dtype) && value in SPECIAL) return SPECIAL[value]!;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "number") throw bad();
  if (!isFloat(dtype) && !Number.isInteger(value)) throw bad();
  return value;
}

/** The JSON form: NaN and infinities as strings, 64-bit integers as numbers. */
export function fillValueToJson(value: number | bigint): number | string {
  if (typeof value === "bigint") return Number(value);
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return value;
}
