/**
 * What `writeRegion` accepts as data: a typed array in C order with one
 * element per element of the region, or `{ data, shape, stride? }` like a
 * `read` result. Checked against the region and the array's dtype.
 */
import type { ZarrArray } from "./array.js";
import { dtypeOfTypedArray, typedArrayFor, type TypedArray } from "./dtype.js";
import { DataMismatchError } from "./errors.js";
import { cStrides, product, type StridedView } from "./ndcopy.js";
import type { NormalizedSelection } from "./selection.js";

export type WriteData = TypedArray | { readonly data: TypedArray; readonly shape: readonly number[]; readonly stride?: readonly number[] };

function mismatch(what: string, expected: string, actual: string): DataMismatchError {
  return new DataMismatchError(`writeRegion: the data's ${what} is ${actual}, but the region needs ${expected}`, expected, actual);
}

/** The data as a view with the array's full rank (an index-selected dimension has length 1). */
export function toSourceView(array: ZarrArray, sel: NormalizedSelection, input: WriteData): StridedView {
  const isView = ArrayBuffer.isView(input);
  const data = (isView ? input : (input as { data?: unknown })?.data) as TypedArray | undefined;
  const dtype = dtypeOfTypedArray(data);
  if (dtype === undefined) {
    throw mismatch("type", `a ${typedArrayFor(array.dtype).name}`, data === undefined ? typeof input : Object.prototype.toString.call(data));
  }
  if (dtype !== array.dtype) throw mismatch("dtype", array.dtype, dtype);
  const shape = isView ? sel.shape : (input as { shape: readonly number[] }).shape;
  if (!Array.isArray(shape) || shape.length !== sel.shape.length || shape.some((n, d) => n !== sel.shape[d])) {
    throw mismatch("shape", JSON.stringify(sel.shape), JSON.stringify(shape));
  }
  const stride = (isView ? undefined : (input as { stride?: readonly number[] }).stride) ?? cStrides(shape);
  if (!Array.isArray(stride) || stride.length !== shape.length || !stride.every((s) => Number.isInteger(s) && s >= 0)) {
    throw mismatch("stride", `${shape.length} whole numbers`, JSON.stringify(stride));
  }
  const needed = shape.some((n) => n === 0) ? 0 : 1 + shape.reduce((max, n, d) => max + (n - 1) * stride[d]!, 0);
  if (data!.length < needed || (isView && data!.length !== product(shape))) {
    throw mismatch("length", `${isView ? product(shape) : needed} elements`, `${data!.length}`);
  }
  // Insert a stride for each index-selected dimension (its length is 1, so any value works).
  let next = 0;
  const full = sel.kept.map((kept) => (kept ? stride[next++]! : 0));
  return { data: data!, offset: 0, stride: full };
}
