/**
 * Blosc frames read and written in JS around node:zlib's zlib (every Node)
 * and zstd (Node ≥ 22.15), instead of numcodecs' WASM build. The layouts
 * that matter are each made on purpose: several blocks with a short last
 * one, blocks split into one stream per byte of the element (zlib),
 * streams stored raw (incompressible data), plain copies (clevel 0, chunks
 * under 128 bytes), 1-, 2-, 4- and 8-byte elements, big endian. Every array
 * is checked byte for byte against zarr-python (Debian python3-zarr 2.13,
 * c-blosc 1.21) in both directions. CI runs this file on Node 20 and 24.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, isChunkDecodeError, open, read, sequential, setPlan, withPlan, writeRegion, type DType } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { readDump, zarrPython } from "./fixtures/zarr-python.js";
import { bytesOf, pattern, rejection, tempDirs } from "./fixtures/zarr-helpers.js";
// Not public: whether a frame takes the native path here, to show that the tests reach it.
import { readsNatively } from "../packages/core/dist/zarr/codecs/blosc-frame.js";
import { BloscCodec } from "../packages/core/dist/zarr/codecs/blosc.js";

// Every call goes to the workers, however small.
process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const nodeHasZstd = major > 22 || (major === 22 && minor >= 15);
const { temp, removeAll } = tempDirs();

beforeAll(() => setPlan(threads(2)));
afterAll(async () => {
  await setPlan(sequential());
  removeAll();
});

interface Theirs {
  name: string;
  shape: number[];
  chunks: number[];
  dtype: string;
  compressor: { id: "blosc"; cname: "zstd" | "zlib"; clevel?: number; shuffle: number; blocksize?: number };
  random?: boolean;
}

const theirs: Theirs[] = [
  // 36,000-byte chunks at clevel 1: a 32 KiB block and a short last one.
  { name: "zstd_shuffle_f4_leftover", shape: [230, 190], chunks: [100, 90], dtype: "<f4", compressor: { id: "blosc", cname: "zstd", clevel: 1, shuffle: 1 } },
  { name: "zstd_shuffle_f8_be_blocks", shape: [50, 41], chunks: [20, 30], dtype: ">f8", compressor: { id: "blosc", cname: "zstd", shuffle: 1, blocksize: 1000 } },
  { name: "zstd_noshuffle_i2", shape: [300, 70], chunks: [128, 64], dtype: "<i2", compressor: { id: "blosc", cname: "zstd", shuffle: 0 } },
  { name: "zstd_autoshuffle_u4", shape: [90, 90], chunks: [64, 64], dtype: "<u4", compressor: { id: "blosc", cname: "zstd", shuffle: -1 } },
  // zlib splits each block into `typesize` streams (c-blosc's default split mode).
  { name: "zlib_shuffle_i2_split", shape: [200, 100], chunks: [64, 64], dtype: "<i2", compressor: { id: "blosc", cname: "zlib", shuffle: 1 } },
  { name: "zlib_noshuffle_f8_blocks", shape: [40, 40], chunks: [25, 25], dtype: "<f8", compressor: { id: "blosc", cname: "zlib", shuffle: 0, blocksize: 2048 } },
  { name: "zlib_shuffle_i1", shape: [500], chunks: [300], dtype: "|i1", compressor: { id: "blosc", cname: "zlib", shuffle: 1 } },
  { name: "zstd_random_i4_raw", shape: [100, 100], chunks: [50, 60], dtype: "<i4", compressor: { id: "blosc", cname: "zstd", shuffle: 1, blocksize: 4096 }, random: true },
  { name: "zlib_random_f4_raw_split", shape: [64, 64], chunks: [64, 64], dtype: "<f4", compressor: { id: "blosc", cname: "zlib", shuffle: 1 }, random: true },
  { name: "zstd_clevel0_copy", shape: [30, 30], chunks: [16, 16], dtype: "<f4", compressor: { id: "blosc", cname: "zstd", clevel: 0, shuffle: 1 } },
  { name: "zstd_tiny_copy", shape: [7, 7], chunks: [3, 3], dtype: "<f4", compressor: { id: "blosc", cname: "zstd", shuffle: 1 } },
];

const BASE: Record<string, DType> = { "<f4": "float32", ">f8": "float64", "<f8": "float64", "<i2": "int16", "<u4": "uint32", "|i1": "int8", "<i4": "int32" };

describe(`blosc on Node ${process.versions.node}: chunks zarr-python wrote`, () => {
  let root = "";
  let dumps = "";
  beforeAll(() => {
    root = temp("blosc-py");
    dumps = temp("blosc-py-dumps");
    zarrPython("write", root, dumps, theirs);
  });

  it(`decodes zlib frames natively${nodeHasZstd ? " and zstd frames too" : "; zstd frames go to numcodecs' WASM (no zstd in this Node)"}`, () => {
    for (const spec of theirs) {
      const frame = readFileSync(join(root, spec.name, "0.0".slice(0, spec.shape.length * 2 - 1)));
      const native = spec.compressor.cname === "zlib" || nodeHasZstd || (frame[2]! & 0x2) !== 0;
      expect([spec.name, readsNatively(frame)]).toEqual([spec.name, native]);
    }
  });

  it("decodes into a reused buffer exactly as into a new one, whatever the buffer held before", async () => {
    for (const spec of theirs) {
      const frame = readFileSync(join(root, spec.name, "0.0".slice(0, spec.shape.length * 2 - 1)));
      const codec = BloscCodec.fromConfig(spec.compressor, { dataType: BASE[spec.dtype] });
      const fresh = await codec.decode(frame);
      const stale = new Uint8Array(fresh.length).fill(0xab);
      const into = await codec.decodeInto(frame, stale);
      expect([spec.name, Buffer.from(into).equals(Buffer.from(fresh))]).toEqual([spec.name, true]);
    }
  });

  for (const spec of theirs) {
    it(`reads ${spec.name} exactly, whole and in part`, async () => {
      const expected = readDump(dumps, `${spec.name}.bin`);
      const array = await open(`file://${root}`, spec.name);
      const whole = await read(array);
      expect(bytesOf(whole.data).equals(expected)).toBe(true);
      // A selection that cuts chunks: the decoded chunk is right everywhere, not only where a whole read looks.
      const lo = Math.floor(spec.shape[0]! / 3);
      const part = await read(array, [[lo, spec.shape[0]!], ...spec.shape.slice(1).map(() => null)]);
      const rowBytes = (whole.data.byteLength / spec.shape[0]!) * lo;
      expect(bytesOf(part.data).equals(expected.subarray(rowBytes))).toBe(true);
    });
  }
});

interface Ours {
  name: string;
  dtype: string;
  base: DType;
  shape: number[];
  chunks: number[];
  codec: { name: "blosc"; cname: "zstd" | "zlib"; clevel?: number; shuffle: "shuffle" | "noshuffle" };
  random?: boolean;
}

const ours: Ours[] = [
  // 51,200-byte chunks at clevel 1: two 32 KiB blocks, the last one short.
  { name: "zstd_shuffle_f4", dtype: "float32", base: "float32", shape: [130, 210], chunks: [64, 200], codec: { name: "blosc", cname: "zstd", clevel: 1, shuffle: "shuffle" } },
  { name: "zstd_noshuffle_f8_be", dtype: ">f8", base: "float64", shape: [70, 50], chunks: [32, 40], codec: { name: "blosc", cname: "zstd", shuffle: "noshuffle" } },
  { name: "zstd_shuffle_u2", dtype: "uint16", base: "uint16", shape: [300, 300], chunks: [256, 256], codec: { name: "blosc", cname: "zstd", clevel: 9, shuffle: "shuffle" } },
  { name: "zlib_shuffle_i4_split", dtype: "int32", base: "int32", shape: [100, 100], chunks: [64, 80], codec: { name: "blosc", cname: "zlib", clevel: 5, shuffle: "shuffle" } },
  { name: "zlib_noshuffle_i8", dtype: "int64", base: "int64", shape: [1000], chunks: [300], codec: { name: "blosc", cname: "zlib", shuffle: "noshuffle" } },
  { name: "zstd_random_f4", dtype: "float32", base: "float32", shape: [100, 100], chunks: [64, 64], codec: { name: "blosc", cname: "zstd", shuffle: "shuffle" }, random: true },
  { name: "zlib_random_i2_split", dtype: "int16", base: "int16", shape: [100, 100], chunks: [100, 100], codec: { name: "blosc", cname: "zlib", shuffle: "shuffle" }, random: true },
  { name: "zstd_clevel0", dtype: "float32", base: "float32", shape: [20, 20], chunks: [10, 10], codec: { name: "blosc", cname: "zstd", clevel: 0, shuffle: "shuffle" } },
  { name: "zstd_tiny", dtype: "float32", base: "float32", shape: [5, 5], chunks: [3, 3], codec: { name: "blosc", cname: "zstd", shuffle: "shuffle" } },
];

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe(`blosc on Node ${process.versions.node}: chunks parazarr wrote, read by zarr-python`, () => {
  let root = "";
  let dumps = "";
  const written = new Map<string, Buffer>();
  beforeAll(async () => {
    root = temp("blosc-ours");
    dumps = temp("blosc-ours-dumps");
    for (const spec of ours) {
      const array = await create(root, spec.name, { shape: spec.shape, chunks: spec.chunks, dtype: spec.dtype, codec: spec.codec, zarrFormat: 2 });
      const length = spec.shape.reduce((a, b) => a * b, 1);
      const values = pattern(spec.base, length, 5);
      if (spec.random) new Uint8Array(values.buffer).set(randomBytes(values.byteLength, 7));
      await writeRegion(array, null, values);
      written.set(spec.name, bytesOf(values));
    }
    zarrPython("dump", root, dumps, ours.map((s) => s.name));
  });

  for (const spec of ours) {
    it(`zarr-python reads ${spec.name} exactly`, () => {
      expect(readDump(dumps, `${spec.name}.bin`).equals(written.get(spec.name)!)).toBe(true);
    });
  }

  it(`writes the element's own typesize in the header${nodeHasZstd ? "" : " (zlib frames; zstd frames come from numcodecs' WASM, which always says 4)"}`, () => {
    const int64 = readFileSync(join(root, "zlib_noshuffle_i8", "0"));
    expect(int64[3]).toBe(8);
    const uint16 = readFileSync(join(root, "zstd_shuffle_u2", "0.0"));
    expect(uint16[3]).toBe(nodeHasZstd ? 2 : 4);
  });

  it("numcodecs' WASM blosc (what Node 20 decodes zstd frames with) reads every chunk parazarr wrote here", async () => {
    const { default: Blosc } = await import("numcodecs/blosc");
    const wasm = Blosc.fromConfig({ cname: "zstd", clevel: 5, shuffle: 1, blocksize: 0 });
    for (const spec of ours) {
      const array = await open(`file://${root}`, spec.name);
      const first = readFileSync(join(root, spec.name, spec.shape.map(() => "0").join(".")));
      const ourDecode = BloscCodec.fromConfig(spec.codec, { dataType: spec.base });
      const theirs = await wasm.decode(first);
      expect([spec.name, Buffer.from(theirs).equals(Buffer.from(await ourDecode.decode(first)))]).toEqual([spec.name, true]);
      expect(theirs.byteLength).toBe(array.chunks.reduce((a, b) => a * b, 1) * bytesOf(pattern(spec.base, 1)).byteLength);
    }
  });

  it("and parazarr reads them back exactly", async () => {
    for (const spec of ours) {
      const back = await read(await open(`file://${root}`, spec.name));
      expect([spec.name, bytesOf(back.data).equals(written.get(spec.name)!)]).toEqual([spec.name, true]);
    }
  });
});

describe("blosc chunks decoded into a reused buffer", () => {
  // Each group takes a buffer of its own for as long as it runs; this checks the end result under
  // concurrent reads (it cannot force two groups to interleave inside one thread at a given moment).
  it("stay right when many reads of different arrays run at once, on threads(2) and in the caller", async () => {
    const root = temp("blosc-many");
    const arrays: Array<Awaited<ReturnType<typeof open>>> = [];
    const expected: Buffer[] = [];
    for (let k = 0; k < 4; k++) {
      // Same chunk size for all four, so their groups draw on the same buffers.
      const array = await create(root, `a${k}`, { shape: [96, 80], chunks: [32, 40], dtype: "float32", codec: { name: "blosc", cname: "zlib", shuffle: "shuffle" }, zarrFormat: 2 });
      const values = pattern("float32", 96 * 80, 11 + k);
      await writeRegion(array, null, values);
      arrays.push(await open(`file://${root}`, `a${k}`));
      expected.push(bytesOf(values));
    }
    for (const plan of [threads(2), sequential()]) {
      const results = await withPlan(plan, () => Promise.all([...arrays, ...arrays].map((array) => read(array))));
      results.forEach((result, i) => expect([String(plan), i, bytesOf(result.data).equals(expected[i % 4]!)]).toEqual([String(plan), i, true]));
      await plan.close();
    }
  });
});

describe("a damaged blosc chunk", () => {
  it("is refused with a ChunkDecodeError naming the chunk, not read as other data", async () => {
    const root = temp("blosc-bad");
    const array = await create(root, "a", { shape: [64, 64], chunks: [64, 64], dtype: "float32", codec: { name: "blosc", cname: "zlib", shuffle: "shuffle" }, zarrFormat: 2 });
    await writeRegion(array, null, pattern("float32", 64 * 64, 2));
    const file = join(root, "a", "0.0");
    const frame = readFileSync(file);
    writeFileSync(file, frame.subarray(0, frame.length - 100)); // cut short: the header still claims the full size
    const error = await rejection(read(await open(`file://${root}`, "a")));
    // On the workers the chunk's error arrives as the cause of the failed task.
    const cause = (error as Error).cause;
    expect(isChunkDecodeError(cause), String(error)).toBe(true);
    expect(cause).toMatchObject({ key: "/a/0.0", codec: "numcodecs.blosc" });
    expect(String((cause as Error).message)).toContain("the chunk has");
  });
});
