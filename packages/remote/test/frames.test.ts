/**
 * The agents' wire format (ssh's stdin/stdout, batch's message bodies): every message type survives, in any chunking,
 * typed arrays come back as their own type and (when large) in a buffer of
 * their own, and stray output is refused with a clear message.
 */
import { describe, expect, it } from "vitest";
import { FrameDecoder, encodeFrame } from "@parazarr/remote";

const message = {
  type: "batch-result",
  big: Float32Array.from({ length: 100_000 }, (_, i) => i / 3),
  small: new Int16Array([1, -2, 3]),
  bytes: Buffer.from("hello"),
  nested: new Map([[1, { deep: new Float64Array(5_000).fill(2.5) }]]),
  view: new Float64Array(new ArrayBuffer(80_000), 8, 3_000).fill(7),
  big64: new BigInt64Array([1n, -2n]),
  when: new Date(0),
  empty: new Uint8Array(0),
};

function decodeIn(chunkSize: number, frames: number) {
  const stream = Buffer.concat(Array.from({ length: frames }, () => Buffer.concat(encodeFrame(message))));
  const decoder = new FrameDecoder();
  const out: unknown[] = [];
  for (let at = 0; at < stream.length; at += chunkSize) out.push(...decoder.push(stream.subarray(at, at + chunkSize)));
  return out as Array<typeof message>;
}

describe("frames", () => {
  for (const chunkSize of [13, 997, 32 * 1024, 1 << 22]) {
    it(`round-trips three messages read in chunks of ${chunkSize} bytes`, () => {
      const out = decodeIn(chunkSize, 3);
      expect(out).toHaveLength(3);
      for (const got of out) {
        expect(got).toEqual(message);
        expect(got.big).toBeInstanceOf(Float32Array);
        expect(got.view.length).toBe(3_000);
        expect(Buffer.isBuffer(got.bytes)).toBe(true);
      }
    });
  }

  it("gives a large typed array that spans packets a buffer of its own (transferable, aligned)", () => {
    const [got] = decodeIn(32 * 1024, 1);
    expect(got!.big.byteOffset).toBe(0);
    expect(got!.big.buffer.byteLength).toBe(got!.big.byteLength);
  });

  it("sends a large typed array from its own memory, not through the serializer", () => {
    const pieces = encodeFrame({ data: new Float32Array(1 << 20) });
    expect(pieces.some((p) => p.byteLength === 4 << 20)).toBe(true);
  });

  it("refuses bytes that are not a frame, saying what wrote them", () => {
    expect(() => new FrameDecoder().push(Buffer.from("hello from a stray console.log\n"))).toThrow(/not a parazarr frame.*"hello fr"/);
  });

  it("refuses what structured clone would refuse", () => {
    expect(() => encodeFrame({ callback: () => 1 })).toThrow(/could not be cloned/);
  });
});
