/**
 * Copies (and fills) n-dimensional blocks between strided typed arrays: the
 * inner loop of every read and write. Dimensions of length 1 are dropped
 * and dimensions contiguous in both arrays are merged, so a block whose
 * rows are contiguous costs one `TypedArray.set` per run, not one per element.
 */
import type { TypedArray } from "./dtype.js";

/** Where a block lives: the array, the flat index of its first element, the step per dimension. */
export interface StridedView {
  readonly data: TypedArray;
  readonly offset: number;
  readonly stride: readonly number[];
}

interface Axis {
  n: number;
  a: number;
  b: number;
}

type Indexable = { [index: number]: number | bigint };

/** The axes to walk, outermost first, with length-1 axes dropped and contiguous ones merged. */
function plan(shape: readonly number[], strideA: readonly number[], strideB: readonly number[]): Axis[] | undefined {
  const axes: Axis[] = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 0) return undefined;
    if (n !== 1) axes.push({ n, a: strideA[d]!, b: strideB[d]! });
  }
  for (let i = axes.length - 1; i > 0; i--) {
    const inner = axes[i]!;
    const outer = axes[i - 1]!;
    if (outer.a === inner.n * inner.a && outer.b === inner.n * inner.b) {
      axes.splice(i - 1, 2, { n: outer.n * inner.n, a: inner.a, b: inner.b });
    }
  }
  return axes;
}

/** Calls `run(offsetA, offsetB)` for each innermost run of the walk. */
function walk(axes: Axis[], offsetA: number, offsetB: number, run: (a: number, b: number, inner: Axis) => void): void {
  const inner = axes[axes.length - 1]!;
  const outer = axes.slice(0, -1);
  const counters = new Array<number>(outer.length).fill(0);
  let a = offsetA;
  let b = offsetB;
  for (;;) {
    run(a, b, inner);
    let d = outer.length - 1;
    for (; d >= 0; d--) {
      const axis = outer[d]!;
      a += axis.a;
      b += axis.b;
      if (++counters[d]! < axis.n) break;
      a -= axis.a * axis.n;
      b -= axis.b * axis.n;
      counters[d] = 0;
    }
    if (d < 0) return;
  }
}

/** dst[block] = src[block]; both views describe a block of `shape`. Same element type. */
export function copyBlock(src: StridedView, dst: StridedView, shape: readonly number[]): void {
  const axes = plan(shape, src.stride, dst.stride);
  if (axes === undefined) return;
  const from = src.data as unknown as Indexable & Float64Array;
  const to = dst.data as unknown as Indexable & Float64Array;
  if (axes.length === 0) {
    to[dst.offset] = from[src.offset]!;
    return;
  }
  walk(axes, src.offset, dst.offset, (a, b, inner) => {
    if (inner.a === 1 && inner.b === 1) {
      to.set(from.subarray(a, a + inner.n), b);
      return;
    }
    for (let i = 0; i < inner.n; i++) to[b + i * inner.b] = from[a + i * inner.a]!;
  });
}

/** dst[block] = value. */
export function fillBlock(dst: StridedView, shape: readonly number[], value: number | bigint): void {
  const axes = plan(shape, dst.stride, dst.stride);
  if (axes === undefined) return;
  const to = dst.data as unknown as Indexable & { fill(v: number | bigint, start: number, end: number): void };
  if (axes.length === 0) {
    to[dst.offset] = value;
    return;
  }
  walk(axes, dst.offset, dst.offset, (a, _b, inner) => {
    if (inner.a === 1) {
      to.fill(value, a, a + inner.n);
      return;
    }
    for (let i = 0; i < inner.n; i++) to[a + i * inner.a] = value;
  });
}

/** C-order (row-major) strides of `shape`. */
export function cStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    stride[d] = step;
    step *= shape[d]!;
  }
  return stride;
}

/** F-order (column-major) strides of `shape`. */
export function fStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let step = 1;
  for (let d = 0; d < shape.length; d++) {
    stride[d] = step;
    step *= shape[d]!;
  }
  return stride;
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The flat index of `position` under `stride`. */
export function flatIndex(position: readonly number[], stride: readonly number[]): number {
  let index = 0;
  for (let d = 0; d < position.length; d++) index += position[d]! * stride[d]!;
  return index;
}
