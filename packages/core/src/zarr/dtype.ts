/**
 * The element types parazarr reads and writes: the numeric Zarr types that
 * Node has a typed array for. In memory data is always native (little
 * endian); a big-endian array is swapped by its `bytes` codec.
 */
import { MetadataError } from "./errors.js";

export const DTYPES = [
  "int8", "int16", "int32", "int64",
  "uint8", "uint16", "uint32", "uint64",
  "float32", "float64",
] as const;

export type DType = (typeof DTYPES)[number];
export type Endian = "little" | "big";

export type TypedArray =
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Float32Array | Float64Array;

export interface TypedArrayConstructor {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
}

const CONSTRUCTORS: Record<DType, TypedArrayConstructor> = {
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

// numpy's type codes, for v2 `.zarray` "dtype" ("<f4", ">i2", "|u1").
const NUMPY_CODES: Record<DType, string> = {
  int8: "i1", int16: "i2", int32: "i4", int64: "i8",
  uint8: "u1", uint16: "u2", uint32: "u4", uint64: "u8",
  float32: "f4", float64: "f8",
};

export function typedArrayFor(dtype: DType): TypedArrayConstructor {
  return CONSTRUCTORS[dtype];
}

export function bytesPerElement(dtype: DType): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && (DTYPES as readonly string[]).includes(value);
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

export function isBigInt(dtype: DType): boolean {
  return dtype === "int64" || dtype === "uint64";
}

/** "<f4" for v2 metadata; one-byte types have no byte order ("|u1"). */
export function toNumpyDtype(dtype: DType, endian: Endian): string {
  const order = bytesPerElement(dtype) === 1 ? "|" : endian === "big" ? ">" : "<";
  return order + NUMPY_CODES[dtype];
}

/** Parses "float32" or a numpy string ("<f4", ">i2", "|u1"); `field` names where it came from. */
export function parseDtype(value: unknown, field: string): { dtype: DType; endian: Endian } {
  if (isDType(value)) return { dtype: value, endian: "little" };
  if (typeof value === "string") {
    const match = /^([<>|=])([iuf]\d)$/.exec(value);
    const found = match && (Object.entries(NUMPY_CODES) as Array<[DType, string]>).find(([, code]) => code === match[2]);
    if (match && found) return { dtype: found[0], endian: match[1] === ">" ? "big" : "little" };
  }
  throw new MetadataError(
    `${field}: unsupported data type ${JSON.stringify(value)}; supported are ${DTYPES.join(", ")} ` +
      `(or numpy strings such as "<f4", ">i8")`,
    field,
  );
}

/** The dtype whose typed array `data` is, or undefined for anything else. */
export function dtypeOfTypedArray(data: unknown): DType | undefined {
  for (const dtype of DTYPES) if (data instanceof CONSTRUCTORS[dtype]) return dtype;
  return undefined;
}
