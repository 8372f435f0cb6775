/**
 * CF packing: stored = round((value - add_offset) / scale_factor), with
 * `_FillValue` (and `missing_value`) marking what is missing. A source
 * packed exactly as the template is copied bit for bit: no decode, no
 * rounding, the archive holds the very integers the file held. A source
 * packed otherwise (another scale, offset or fill, another dtype) is decoded
 * to physical values and encoded to the template's packing; values outside
 * the target type's range are clipped and counted, never wrapped (a typed
 * array would wrap 40000 into int16 as -25536).
 */
import { isBigInt, isFloat, typedArrayFor, type DType, type TypedArray } from "../zarr/dtype.js";
import type { Attributes, AttributeValue } from "../sources/source.js";

export interface Packing {
  readonly dtype: DType;
  readonly scale: number | undefined;
  readonly offset: number | undefined;
  readonly fill: number | undefined;
  readonly missing: readonly number[];
}

function numberOf(value: AttributeValue | undefined): number | undefined {
  if (value === undefined || typeof value === "string") return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : Number(value[0]);
  return Number(value);
}

function numbersOf(value: AttributeValue | undefined): number[] {
  if (value === undefined || typeof value === "string") return [];
  return Array.isArray(value) ? value.map(Number) : [Number(value)];
}

export function packingOf(dtype: DType, attributes: Attributes): Packing {
  return {
    dtype,
    scale: numberOf(attributes.scale_factor),
    offset: numberOf(attributes.add_offset),
    fill: numberOf(attributes._FillValue),
    missing: numbersOf(attributes.missing_value),
  };
}

const same = (a: number | undefined, b: number | undefined) => a === b || (a !== undefined && b !== undefined && Number.isNaN(a) && Number.isNaN(b));

export function samePacking(a: Packing, b: Packing): boolean {
  return (
    a.dtype === b.dtype &&
    same(a.scale, b.scale) &&
    same(a.offset, b.offset) &&
    same(a.fill, b.fill) &&
    a.missing.length === b.missing.length &&
    a.missing.every((m, i) => same(m, b.missing[i]))
  );
}

export function describePacking(p: Packing): string {
  const parts: string[] = [p.dtype];
  if (p.scale !== undefined) parts.push(`scale_factor ${p.scale}`);
  if (p.offset !== undefined) parts.push(`add_offset ${p.offset}`);
  if (p.fill !== undefined) parts.push(`_FillValue ${p.fill}`);
  if (p.missing.length > 0) parts.push(`missing_value ${p.missing.join(",")}`);
  return parts.join(", ");
}

const RANGES: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

/** Round half to even, as numpy's `around` (xarray's CF encoder) does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Repacked {
  readonly values: TypedArray;
  readonly clipped: number;
}

/** Decodes `raw` (packed as `from`) to physical values and encodes them as `to` packs them. */
export function repack(raw: TypedArray, from: Packing, to: Packing): Repacked {
  if (isBigInt(to.dtype) || isBigInt(from.dtype)) {
    throw new TypeError(`repacking 64-bit integers (${from.dtype} → ${to.dtype}) is not supported: they do not survive a decode to float64`);
  }
  const out = new (typedArrayFor(to.dtype))(raw.length) as TypedArray & { [i: number]: number };
  const input = raw as unknown as ArrayLike<number>;
  const missingOut = to.fill ?? (isFloat(to.dtype) ? Number.NaN : undefined);
  const range = RANGES[to.dtype];
  const scale = to.scale ?? 1;
  const offset = to.offset ?? 0;
  const fromScale = from.scale ?? 1;
  const fromOffset = from.offset ?? 0;
  const missingIn = new Set(from.missing);
  let clipped = 0;
  for (let i = 0; i < input.length; i++) {
    const stored = input[i]!;
    const isMissing = Number.isNaN(stored) || stored === from.fill || missingIn.has(stored);
    if (isMissing) {
      if (missingOut === undefined) {
        throw new TypeError(`a missing value cannot be stored: the template's ${to.dtype} variable has no _FillValue`);
      }
      out[i] = missingOut;
      continue;
    }
    const physical = stored * fromScale + fromOffset;
    if (range === undefined) {
      out[i] = (physical - offset) / scale;
      continue;
    }
    let packed = roundHalfEven((physical - offset) / scale);
    if (packed < range[0] || packed > range[1]) {
      packed = Math.min(range[1], Math.max(range[0], packed));
      clipped++;
    }
    out[i] = packed;
  }
  return { values: out, clipped };
}

/** The same values in another dtype (a file storing float64 where the template has float32: values as the template stores them). */
export function castTo(raw: TypedArray, dtype: DType): TypedArray {
  const Ctor = typedArrayFor(dtype);
  if (raw.constructor === Ctor) return raw;
  const out = new Ctor(raw.length) as unknown as { [i: number]: number | bigint };
  const input = raw as unknown as ArrayLike<number | bigint>;
  const big = isBigInt(dtype);
  for (let i = 0; i < input.length; i++) out[i] = big ? BigInt(input[i]!) : Number(input[i]!);
  return out as unknown as TypedArray;
}
