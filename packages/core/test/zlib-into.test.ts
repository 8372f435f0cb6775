/**
 * Decoding into a caller's buffer through node:zlib's internals
 * (codecs/zlib-into.ts). If a Node release changes them, the self-test
 * turns the trick off and reads stay correct but slow: the first case here
 * fails then, on every Node CI runs, so that nobody loses the speed unseen.
 */
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { INTO_SLACK, decodeInto, decodesInto, encodeInto, encodesInto, type ZlibKind } from "../dist/zarr/codecs/zlib-into.js";

const hasZstd = typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function";
const kinds: ZlibKind[] = hasZstd ? ["gzip", "zlib", "zstd"] : ["gzip", "zlib"];
const encode: Record<ZlibKind, (bytes: Uint8Array) => Uint8Array> = {
  gzip: (bytes) => zlib.gzipSync(bytes, { level: 1 }),
  zlib: (bytes) => zlib.deflateSync(bytes, { level: 1 }),
  zstd: (bytes) => (zlib as unknown as { zstdCompressSync: (b: Uint8Array) => Uint8Array }).zstdCompressSync(bytes),
};

/** A float32-like field: compressible, not trivially. */
function field(bytes: number): Uint8Array {
  const values = new Float32Array(bytes / 4);
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(i / 97) * 100 + ((i * 2654435761) % 17) / 16;
  return new Uint8Array(values.buffer);
}

describe.each(kinds)("decodeInto(%s)", (kind) => {
  const plain = field(4 << 20);
  const frame = encode[kind](plain);

  it(`decodes into the caller's buffer on Node ${process.versions.node}`, () => {
    expect(decodesInto(kind)).toBe(true);
    const into = new Uint8Array(plain.length + INTO_SLACK).fill(0xab);
    const out = decodeInto(kind, frame, into, plain.length);
    expect(out.buffer).toBe(into.buffer);
    expect(out.byteOffset).toBe(into.byteOffset);
    expect(Buffer.compare(out, plain)).toBe(0);
  });

  it("reuses one buffer for chunk after chunk, each read whole, whatever the buffer held", () => {
    const into = new Uint8Array(plain.length + INTO_SLACK);
    const other = field(plain.length).map((v) => v ^ 0x5a);
    for (const [bytes, expected] of [[frame, plain], [encode[kind](other), other], [frame, plain]] as const) {
      expect(Buffer.compare(decodeInto(kind, bytes, into, plain.length), expected)).toBe(0);
    }
  });

  it("an output that fills the buffer exactly, or overflows it, is still whole (in fresh memory)", () => {
    for (const size of [plain.length, plain.length - 1000, 100]) {
      const out = decodeInto(kind, frame, new Uint8Array(size), plain.length);
      expect(out.length).toBe(plain.length);
      expect(Buffer.compare(out, plain)).toBe(0);
    }
  });

  it("an output smaller than the buffer is the start of it, no longer than the data", () => {
    const small = plain.subarray(0, 1000);
    const into = new Uint8Array(plain.length + INTO_SLACK);
    const out = decodeInto(kind, encode[kind](small), into, plain.length);
    expect(out.buffer).toBe(into.buffer);
    expect(Buffer.compare(out, small)).toBe(0);
  });

  it("refuses a corrupt or truncated frame with zlib's own error, and goes on working after it", () => {
    const into = new Uint8Array(plain.length + INTO_SLACK);
    const corrupt = Uint8Array.from(frame); // (Buffer#slice would be a view of the frame)
    corrupt.fill(0x55, 0, 8);
    expect(() => decodeInto(kind, corrupt, into, plain.length)).toThrow();
    // A truncated frame either throws or yields fewer bytes; never the full chunk.
    let truncated: Uint8Array | undefined;
    try {
      truncated = decodeInto(kind, frame.subarray(0, frame.length >> 1), into, plain.length);
    } catch {
      truncated = undefined;
    }
    expect(truncated === undefined || truncated.length < plain.length).toBe(true);
    expect(Buffer.compare(decodeInto(kind, frame, into, plain.length), plain)).toBe(0);
  });

  it("without a buffer, decodes into fresh memory", () => {
    expect(Buffer.compare(decodeInto(kind, frame, undefined, plain.length), plain)).toBe(0);
  });
});

describe.each(kinds)("encodeInto(%s)", (kind) => {
  const plain = field(4 << 20);
  const bound = plain.length + (plain.length >> 8) + 1024 + INTO_SLACK;
  const decode = (frame: Uint8Array) => decodeInto(kind, frame, undefined, plain.length);

  it(`encodes into the caller's buffer on Node ${process.versions.node}, a frame that decodes back exactly`, () => {
    expect(encodesInto(kind)).toBe(true);
    const into = new Uint8Array(bound).fill(0xab);
    const frame = encodeInto(kind, plain, into, 3, bound);
    expect(frame.buffer).toBe(into.buffer);
    expect(frame.length).toBeLessThan(plain.length);
    expect(Buffer.compare(decode(frame), plain)).toBe(0);
  });

  it("gives the bytes the public call gives, at the same level, in a buffer or not", () => {
    const into = new Uint8Array(bound);
    const inPlace = Buffer.from(encodeInto(kind, plain, into, 1, bound));
    const fresh = Buffer.from(encodeInto(kind, plain, undefined, 1, bound));
    expect(inPlace.equals(fresh)).toBe(true);
    expect(Buffer.compare(decode(inPlace), plain)).toBe(0);
  });

  it("a buffer too small for the frame still gives the whole frame (in fresh memory)", () => {
    const frame = encodeInto(kind, plain, new Uint8Array(1000), 3, bound);
    expect(Buffer.compare(decode(frame), plain)).toBe(0);
  });

  it("reuses one buffer for frame after frame, each decoding to its own input", () => {
    const into = new Uint8Array(bound);
    const other = field(plain.length).map((v) => v ^ 0x5a);
    expect(Buffer.compare(decode(Buffer.from(encodeInto(kind, plain, into, 3, bound))), plain)).toBe(0);
    expect(Buffer.compare(decode(Buffer.from(encodeInto(kind, other, into, 3, bound))), other)).toBe(0);
  });
});
