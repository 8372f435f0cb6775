/**
 * Fill values as Zarr JSON spells them: floats may be "NaN", "Infinity" or
 * "-Infinity" (JSON has no such numbers), 64-bit integers may exceed what a
 * double holds (they arrive as bigint from json.ts), and v2 allows null
 * ("no fill value").
 *
 * Each value is checked against its dtype exactly: a typed array silently
 * wraps or rounds what does not fit (300 stored in a Uint8Array reads 44,
 * 1e40 in a Float32Array reads Infinity), so a value that would not survive
 * the store unchanged is refused instead.
 */
import { isBigInt, type DType } from "./dtype.js";
import { MetadataError } from "./errors.js";

/** null: no fill value (v2 `"fill_value": null`): missing chunks read as 0, and every chunk is stored. */
export type FillValue = number | bigint | null;

const SPECIAL: Record<string, number> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

const INT_RANGES: Partial<Record<DType, readonly [bigint, bigint]>> = {
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

export function parseFillValue(value: unknown, dtype: DType, field: string): FillValue {
  if (value === null || value === undefined) return null;
  const range = INT_RANGES[dtype];
  return range === undefined ? parseFloatFill(value, dtype, field) : parseIntegerFill(value, dtype, range, field);
}

function refuse(value: unknown, dtype: DType, field: string, why: string): MetadataError {
  const shown = typeof value === "bigint" ? `${value}n` : JSON.stringify(value) ?? String(value);
  return new MetadataError(`${field}: fill value ${shown} is not a valid ${dtype}: ${why}`, field);
}

function parseIntegerFill(value: unknown, dtype: DType, [min, max]: readonly [bigint, bigint], field: string): number | bigint {
  let exact: bigint;
  if (typeof value === "bigint") exact = value;
  else if (typeof value === "boolean") exact = value ? 1n : 0n;
  else if (typeof value === "number" && Number.isInteger(value)) {
    // A double beyond 2**53 has already lost digits: 2**63-1 typed as a number is 2**63.
    if (isBigInt(dtype) && !Number.isSafeInteger(value)) {
      throw refuse(value, dtype, field, "a number this large is not exact in JavaScript; give it as a bigint (e.g. 2n ** 63n - 1n)");
    }
    exact = BigInt(value);
  } else if (typeof value === "string" && /^-?\d+$/.test(value)) exact = BigInt(value);
  else throw refuse(value, dtype, field, "expected a whole number");
  if (exact < min || exact > max) throw refuse(value, dtype, field, `${dtype} holds ${min} … ${max}`);
  return isBigInt(dtype) ? exact : Number(exact);
}

function parseFloatFill(given: unknown, dtype: DType, field: string): number {
  // A long integer literal in metadata arrives as a bigint: a float array takes its nearest value.
  const value = typeof given === "bigint" ? Number(given) : given;
  if (typeof value === "string" && value in SPECIAL) return SPECIAL[value]!;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value !== "number") throw refuse(value, dtype, field, 'expected a number, "NaN", "Infinity" or "-Infinity"');
  // Rounding to the nearest float32 is what storing does; overflowing to Infinity is not a rounding.
  if (dtype === "float32" && Number.isFinite(value) && !Number.isFinite(Math.fround(value))) {
    throw refuse(value, dtype, field, "beyond the largest float32 (about 3.4e38)");
  }
  return value;
}

/** The value missing chunks read as: no fill value reads as 0, like numpy's zeros. */
export function effectiveFill(value: FillValue, dtype: DType): number | bigint {
  if (value !== null) return value;
  return isBigInt(dtype) ? 0n : 0;
}

/** The JSON form: NaN and infinities as strings, 64-bit integers as bigint (json.ts writes their digits). */
export function fillValueToJson(value: FillValue): number | string | bigint | null {
  if (value === null || typeof value === "bigint") return value;
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return value;
}
