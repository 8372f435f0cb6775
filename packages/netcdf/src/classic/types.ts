/**
 * The six classic external types (CDF-1 and CDF-2 have no others; the
 * unsigned and 64-bit ones are CDF-5's). Data is big-endian on disk.
 */
import type { DType } from "@parazarr/core";

export const NC_BYTE = 1;
export const NC_CHAR = 2;
export const NC_SHORT = 3;
export const NC_INT = 4;
export const NC_FLOAT = 5;
export const NC_DOUBLE = 6;

interface ClassicType {
  readonly name: string;
  readonly size: number;
  /** The element type in memory; NC_CHAR has none (text, not numbers). */
  readonly dtype: DType | undefined;
}

const TYPES: Record<number, ClassicType> = {
  [NC_BYTE]: { name: "NC_BYTE", size: 1, dtype: "int8" },
  [NC_CHAR]: { name: "NC_CHAR", size: 1, dtype: undefined },
  [NC_SHORT]: { name: "NC_SHORT", size: 2, dtype: "int16" },
  [NC_INT]: { name: "NC_INT", size: 4, dtype: "int32" },
  [NC_FLOAT]: { name: "NC_FLOAT", size: 4, dtype: "float32" },
  [NC_DOUBLE]: { name: "NC_DOUBLE", size: 8, dtype: "float64" },
};

export function classicType(code: number): ClassicType | undefined {
  return Object.hasOwn(TYPES, code) ? TYPES[code] : undefined;
}

/** Reads `n` big-endian values of `code` from `bytes` as numbers. */
export function decodeNumbers(code: number, bytes: Buffer, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    switch (code) {
      case NC_BYTE: out[i] = bytes.readInt8(i); break;
      case NC_SHORT: out[i] = bytes.readInt16BE(2 * i); break;
      case NC_INT: out[i] = bytes.readInt32BE(4 * i); break;
      case NC_FLOAT: out[i] = bytes.readFloatBE(4 * i); break;
      default: out[i] = bytes.readDoubleBE(8 * i); break;
    }
  }
  return out;
}
