/**
 * Blosc's byte shuffle of one block: byte j of element i moves to stream j,
 * position i, so that the slowly varying high bytes of floats sit together.
 * As c-blosc's generic (shuffle-generic.h, 1.21): the `size % typesize`
 * bytes past the last whole element are copied as they are.
 *
 * Four-byte elements (float32, int32, the common case) take a path that
 * reads or writes whole 32-bit words: about 4× fewer memory operations than
 * the byte loop. It assumes a little-endian host, which is checked once.
 */
import { endianness } from "node:os";

const LITTLE = endianness() === "LE";

/** dest[i·t + j] = src[j·n + i], for the block `src` (n whole elements of t bytes). */
export function unshuffle(typesize: number, src: Uint8Array, dest: Uint8Array): void {
  const size = src.length;
  const n = Math.floor(size / typesize);
  if (typesize === 4 && LITTLE && dest.byteOffset % 4 === 0) {
    const words = new Uint32Array(dest.buffer, dest.byteOffset, n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      words[i] = (src[i]! | (src[n + i]! << 8) | (src[n2 + i]! << 16) | (src[n3 + i]! << 24)) >>> 0;
    }
  } else {
    for (let j = 0; j < typesize; j++) {
      const from = j * n;
      for (let i = 0; i < n; i++) dest[i * typesize + j] = src[from + i]!;
    }
  }
  const whole = n * typesize;
  if (whole < size) dest.set(src.subarray(whole, size), whole);
}

/** dest[j·n + i] = src[i·t + j]: the inverse of `unshuffle`. */
export function shuffle(typesize: number, src: Uint8Array, dest: Uint8Array): void {
  const size = src.length;
  const n = Math.floor(size / typesize);
  if (typesize === 4 && LITTLE && src.byteOffset % 4 === 0) {
    const words = new Uint32Array(src.buffer, src.byteOffset, n);
    const n2 = 2 * n;
    const n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      const w = words[i]!;
      dest[i] = w & 0xff;
      dest[n + i] = (w >>> 8) & 0xff;
      dest[n2 + i] = (w >>> 16) & 0xff;
      dest[n3 + i] = w >>> 24;
    }
  } else {
    for (let j = 0; j < typesize; j++) {
      const to = j * n;
      for (let i = 0; i < n; i++) dest[to + i] = src[i * typesize + j]!;
    }
  }
  const whole = n * typesize;
  if (whole < size) dest.set(src.subarray(whole, size), whole);
}
