/**
 * The same write-then-read script on sequential() and on threads(2) must
 * leave byte-identical stores and return identical arrays — and both must
 * equal a plain element-by-element model of the writes.
 */
import { afterAll, describe, expect, it } from "vitest";
import { create, read, sequential, setPlan, writeRegion, withPlan, type CodecOption, type DType, type Plan, type Selection } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { ArrayModel, bytesOf, filled, makeTempDir, pattern, snapshotStore } from "./fixtures/zarr-helpers.js";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";

// Every call goes to the workers, however small (the default runs small
// calls in the caller): threads(2) must really exercise the worker path.
process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";

interface Case {
  name: string;
  zarrFormat: 2 | 3;
  dtype: DType | string;
  base: DType;
  shape: number[];
  chunks: number[];
  codec: CodecOption;
  fillValue?: number | bigint;
  order?: "C" | "F";
  /** An unaligned region rewritten after the full write: partial chunks are read-modify-written. */
  patch: Selection;
  /** A selection to read besides the whole array (with an index: a dimension dropped). */
  selection: Selection;
}

const cases: Case[] = [
  { name: "v3 zstd float32 2-D", zarrFormat: 3, dtype: "float32", base: "float32", shape: [50, 70], chunks: [16, 16], codec: "zstd", patch: [[5, 33], [10, 61]], selection: [[3, 40], 5] },
  { name: "v2 zstd float32 2-D", zarrFormat: 2, dtype: "float32", base: "float32", shape: [50, 70], chunks: [16, 16], codec: { name: "zstd", level: 3 }, patch: [[5, 33], [10, 61]], selection: [7, [0, 70]] },
  { name: "v3 none int16 1-D", zarrFormat: 3, dtype: "int16", base: "int16", shape: [1000], chunks: [64], codec: "none", patch: [[100, 333]], selection: [[63, 130]] },
  { name: "v2 none uint8 1-D", zarrFormat: 2, dtype: "uint8", base: "uint8", shape: [999], chunks: [100], codec: "none", patch: [[1, 998]], selection: [[0, 999]] },
  { name: "v3 blosc lz4 shuffle float64 3-D", zarrFormat: 3, dtype: "float64", base: "float64", shape: [13, 17, 19], chunks: [4, 5, 6], codec: { name: "blosc", cname: "lz4", shuffle: "shuffle" }, patch: [[2, 11], [3, 4], [0, 19]], selection: [[1, 12], 16, [2, 18]] },
  { name: "v2 blosc zstd bitshuffle uint16 3-D", zarrFormat: 2, dtype: "uint16", base: "uint16", shape: [13, 17, 19], chunks: [4, 5, 6], codec: { name: "blosc", cname: "zstd", clevel: 3, shuffle: "bitshuffle" }, patch: [[0, 13], [6, 9], [5, 14]], selection: [null, [4, 11], 0] },
  { name: "v3 blosc noshuffle int32 2-D", zarrFormat: 3, dtype: "int32", base: "int32", shape: [40, 33], chunks: [8, 8], codec: { name: "blosc", shuffle: "noshuffle" }, patch: [[3, 37], [1, 2]], selection: [[0, 40], [0, 33]] },
  { name: "v3 gzip int32 4-D", zarrFormat: 3, dtype: "int32", base: "int32", shape: [5, 6, 7, 8], chunks: [2, 3, 4, 3], codec: "gzip", patch: [[1, 4], [2, 5], [1, 6], [0, 7]], selection: [[0, 5], 2, [3, 7], [1, 8]] },
  { name: "v2 gzip big-endian float32 2-D", zarrFormat: 2, dtype: ">f4", base: "float32", shape: [45, 31], chunks: [10, 10], codec: { name: "gzip", level: 5 }, patch: [[9, 21], [9, 21]], selection: [[9, 21], [0, 31]] },
  { name: "v3 zlib uint8 2-D", zarrFormat: 3, dtype: "uint8", base: "uint8", shape: [64, 64], chunks: [20, 20], codec: "zlib", patch: [[10, 50], [10, 50]], selection: [[19, 21], null] },
  { name: "v2 zlib big-endian int64 2-D", zarrFormat: 2, dtype: ">i8", base: "int64", shape: [30, 30], chunks: [7, 7], codec: "zlib", patch: [[3, 25], [20, 30]], selection: [[0, 30], 29] },
  { name: "v3 zstd big-endian float64 3-D", zarrFormat: 3, dtype: ">f8", base: "float64", shape: [9, 10, 11], chunks: [4, 4, 4], codec: "zstd", patch: [[1, 8], [1, 9], [1, 10]], selection: [4, null, [3, 9]] },
  { name: "v2 F order float64 3-D blosc", zarrFormat: 2, dtype: "float64", base: "float64", order: "F", shape: [11, 12, 13], chunks: [5, 5, 5], codec: "blosc", patch: [[2, 9], [0, 12], [4, 6]], selection: [[1, 10], [2, 3], null] },
  { name: "v2 F order int32 2-D zstd", zarrFormat: 2, dtype: "<i4", base: "int32", order: "F", shape: [37, 29], chunks: [8, 6], codec: "zstd", patch: [[5, 30], [3, 27]], selection: [[0, 37], 13] },
  { name: "v2 NaN fill float32 2-D", zarrFormat: 2, dtype: "float32", base: "float32", fillValue: Number.NaN, shape: [40, 40], chunks: [9, 9], codec: "zstd", patch: [[0, 20], [0, 40]], selection: [[10, 30], [10, 30]] },
  { name: "v3 NaN fill float64 2-D", zarrFormat: 3, dtype: "float64", base: "float64", fillValue: Number.NaN, shape: [40, 40], chunks: [9, 9], codec: "blosc", patch: [[15, 40], [3, 4]], selection: [null, [35, 40]] },
  { name: "v3 uint64 fill 7 2-D", zarrFormat: 3, dtype: "uint64", base: "uint64", fillValue: 7n, shape: [20, 20], chunks: [6, 6], codec: "gzip", patch: [[1, 19], [2, 3]], selection: [[0, 20], [0, 20]] },
];

interface RunResult {
  store: Record<string, string>;
  reads: Buffer[];
  receipts: unknown[];
}

/** The script a user would write: create, write everything, patch a region, blank a chunk, read back. */
async function runScript(
  plan: Plan,
  c: Case,
): Promise<RunResult & { model: ArrayModel; results: { data: unknown; shape: number[] }[]; fillValue: number | bigint | null }> {
  const dir = makeTempDir("plans");
  dirs.push(dir);
  return withPlan(plan, async () => {
    const array = await create(dir.path, "data/var", {
      shape: c.shape, chunks: c.chunks, dtype: c.dtype, codec: c.codec, fillValue: c.fillValue, zarrFormat: c.zarrFormat,
      ...(c.order ? { order: c.order } : {}), dimensionNames: c.shape.map((_, d) => `d${d}`), attributes: { units: "K" },
    });
    // The default when none is given: NaN for floats, none (null: missing chunks read 0) for v2 integers.
    const fill = array.fillValue ?? 0;
    const model = new ArrayModel(c.base, c.shape, fill);
    const size = c.shape.reduce((a, b) => a * b, 1);
    const everything = pattern(c.base, size, 1);
    const receipts: unknown[] = [await writeRegion(array, null, everything)];
    model.write(null, everything);

    const patchModel = new ArrayModel(c.base, c.shape, fill);
    const patchShape = patchModel.read(c.patch).shape;
    const patch = pattern(c.base, patchShape.reduce((a, b) => a * b, 1), 2);
    receipts.push(await writeRegion(array, c.patch, { data: patch, shape: patchShape }));
    model.write(c.patch, patch);

    // The first chunk, set to the fill value: it must disappear from the store (when there is one).
    const firstRanges = c.chunks.map((n, d): [number, number] => [0, Math.min(n, c.shape[d]!)]);
    const first: Selection = firstRanges;
    const firstSize = firstRanges.reduce((a, [lo, hi]) => a * (hi - lo), 1);
    receipts.push(await writeRegion(array, first, filled(c.base, firstSize, fill)));
    model.write(first, filled(c.base, firstSize, fill));

    const results = [await read(array), await read(array, c.selection)];
    return { store: snapshotStore(dir.path), reads: results.map((r) => bytesOf(r.data)), receipts, model, results, fillValue: array.fillValue };
  });
}

const dirs: Array<{ remove(): void }> = [];
const threaded = observed(threads(2));

afterAll(async () => {
  await threaded.plan.close();
  await setPlan(sequential());
  for (const dir of dirs) dir.remove();
});

describe("zarr: sequential() and threads(2) give byte-identical stores and arrays", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const onOneThread = await runScript(sequential(), c);
      threaded.reset();
      const onThreads = await runScript(threaded.plan, c);
      // Every write and read of the script ran on the threads, none in the caller.
      expectRanOn(threaded, "writeChunks", /^thread \d+$/);
      expectRanOn(threaded, "readChunks", /^thread \d+$/);

      expect(onThreads.store).toEqual(onOneThread.store);
      expect(onThreads.reads).toEqual(onOneThread.reads);
      expect(onThreads.receipts).toEqual(onOneThread.receipts);

      // And both are right: the model of the same writes, element by element.
      const whole = onThreads.model.read(null);
      const part = onThreads.model.read(c.selection);
      expect(onThreads.results[0]!.shape).toEqual(whole.shape);
      expect(onThreads.reads[0]!.equals(bytesOf(whole.data))).toBe(true);
      expect(onThreads.results[1]!.shape).toEqual(part.shape);
      expect(onThreads.reads[1]!.equals(bytesOf(part.data))).toBe(true);

      // The chunk blanked to the fill value is not stored; without a fill value every chunk is.
      const firstKey = c.zarrFormat === 3 ? `data/var/c/${c.shape.map(() => 0).join("/")}` : `data/var/${c.shape.map(() => 0).join(".")}`;
      if (onThreads.fillValue === null) expect(Object.keys(onThreads.store)).toContain(firstKey);
      else expect(Object.keys(onThreads.store)).not.toContain(firstKey);
      expect(Object.keys(onThreads.store).some((k) => k.endsWith(".partial"))).toBe(false);
    });
  }
});
