/**
 * Reads a box of a classic variable with positioned reads, straight into a
 * typed array of the box's size. The box's innermost dimensions that are
 * whole (and contiguous on disk) merge into one run of bytes; each run is
 * at `begin + Σ index·stride`. Nearby runs share one read into a small
 * buffer (a column of a wide grid costs one read per READ_BUFFER, not one
 * per value); a run larger than the buffer is read into the output itself.
 * Memory is the box plus READ_BUFFER, whatever the file's size. The bytes
 * are big-endian on disk: they are swapped in place once, at the end.
 */
import type { FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import type { Box, TypedArray } from "@parazarr/core";
import { NetcdfFormatError } from "../errors.js";
import { boxShape, elementCount } from "../box.js";
import type { VariableLayout } from "./layout.js";

const READ_BUFFER = 1024 * 1024;
/** Bytes between two runs worth reading past rather than issuing another read. */
const MAX_GAP = 64 * 1024;

const CONSTRUCTORS = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
} as const;

export async function readHyperslab(handle: FileHandle, file: string, layout: VariableLayout, box: Box, signal?: AbortSignal): Promise<TypedArray> {
  const extents = boxShape(box);
  const Ctor = CONSTRUCTORS[layout.dtype as keyof typeof CONSTRUCTORS];
  const out = new Ctor(elementCount(extents));
  if (out.length === 0) return out;
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const { runBytes, runs, offsetOf } = runsOf(layout, box, extents);
  const totalSpan = offsetOf(runs - 1) + runBytes - offsetOf(0);
  const buffer = runBytes >= Math.min(READ_BUFFER, totalSpan) ? undefined : Buffer.allocUnsafe(Math.min(READ_BUFFER, totalSpan));
  let written = 0;
  for (let i = 0; i < runs; ) {
    signal?.throwIfAborted();
    const first = offsetOf(i);
    if (buffer === undefined) {
      await readFully(handle, bytes, written, runBytes, first, file, layout);
      written += runBytes;
      i++;
      continue;
    }
    // Runs that fit in one buffer with small gaps between them: one read.
    let last = i;
    let lastOffset = first;
    while (last + 1 < runs) {
      const next = offsetOf(last + 1);
      if (next + runBytes - first > buffer.length || next - (lastOffset + runBytes) > MAX_GAP) break;
      last++;
      lastOffset = next;
    }
    await readFully(handle, buffer, 0, lastOffset + runBytes - first, first, file, layout);
    for (let r = i; r <= last; r++) {
      const at = offsetOf(r) - first;
      bytes.set(buffer.subarray(at, at + runBytes), written);
      written += runBytes;
    }
    i = last + 1;
  }
  if (endianness() === "LE" && layout.itemSize > 1) swapInPlace(bytes, layout.itemSize);
  return out;
}

/**
 * The runs of a box: their common length in bytes, their number, and each
 * one's file offset (in file order, computed when needed: a column of a
 * large grid has as many runs as values). Axes from `inner` on are one run.
 */
function runsOf(layout: VariableLayout, box: Box, extents: number[]): { runBytes: number; runs: number; offsetOf: (run: number) => number } {
  const { shape, strides, itemSize, begin } = layout;
  const rank = shape.length;
  if (rank === 0) return { runBytes: itemSize, runs: 1, offsetOf: () => begin };
  // An axis joins the run when its stride is the size of everything inside
  // it and every axis inside it is read whole. A record variable's record
  // axis never does (recsize spans the other record variables too), except
  // in a file whose only record variable it is.
  const packed = (axis: number) => strides[axis] === (axis === rank - 1 ? itemSize : shape[axis + 1]! * strides[axis + 1]!);
  const whole = (axis: number) => box[axis]![0] === 0 && extents[axis] === shape[axis];
  let inner = rank;
  let runElements = 1;
  while (inner > 0 && packed(inner - 1) && (inner === rank || whole(inner))) {
    inner--;
    runElements *= extents[inner]!;
  }
  const base = begin + box.reduce((sum, [start], axis) => sum + start * strides[axis]!, 0);
  const runs = elementCount(extents.slice(0, inner));
  const offsetOf = (run: number) => {
    let offset = base;
    for (let axis = inner - 1; axis >= 0; axis--) {
      const extent = extents[axis]!;
      offset += (run % extent) * strides[axis]!;
      run = Math.floor(run / extent);
    }
    return offset;
  };
  return { runBytes: runElements * itemSize, runs, offsetOf };
}

async function readFully(handle: FileHandle, into: Uint8Array, at: number, length: number, position: number, file: string, layout: VariableLayout): Promise<void> {
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(into, at + got, length - got, position + got);
    if (bytesRead === 0) {
      // The size was checked at open: the file shrank since.
      throw new NetcdfFormatError(file, `truncated: variable ${JSON.stringify(layout.name)} needs bytes up to ${position + length}, the file ends at ${position + got}`);
    }
    got += bytesRead;
  }
}

function swapInPlace(bytes: Uint8Array, itemSize: number): void {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (itemSize === 2) view.swap16();
  else if (itemSize === 4) view.swap32();
  else view.swap64();
}
