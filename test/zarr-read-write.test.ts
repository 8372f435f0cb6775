/**
 * What read and writeRegion promise beyond equality: shared-memory output
 * on threads, a caller's `out` buffer, progress in chunks, cancellation,
 * receipts that match the files, index-selected dimensions, strided input,
 * and small reads that stay in the caller.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, isAbortError, read, sequential, setPlan, withPlan, writeRegion, type ZarrArray } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { makeTempDir, pattern } from "./fixtures/zarr-helpers.js";

const dir = makeTempDir("read-write");
let array: ZarrArray;
const values = pattern("float32", 800 * 600) as Float32Array;

beforeAll(async () => {
  await setPlan(threads(2));
  array = await create(dir.path, "grid", { shape: [800, 600], chunks: [100, 100], dtype: "float32", codec: "zstd" });
  await writeRegion(array, null, values);
});
afterAll(async () => {
  await setPlan(sequential());
  dir.remove();
});

describe("zarr read", () => {
  it("on threads(2), workers write straight into a SharedArrayBuffer output", async () => {
    const result = await read(array, [[5, 795], [3, 597]]);
    expect(result.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(result.shape).toEqual([790, 594]);
    expect(result.stride).toEqual([594, 1]);
    expect(result.data[0]).toBe(values[5 * 600 + 3]);
    expect(result.data[790 * 594 - 1]).toBe(values[794 * 600 + 596]);
  });

  it("a small read (two chunks, 80 KB) runs in the caller: a plain ArrayBuffer, no worker hop", async () => {
    const small = await read(array, [[0, 100], [0, 200]]);
    expect(small.data.buffer).toBeInstanceOf(ArrayBuffer);
    expect(small.data[199]).toBe(values[199]);
    expect(small.data[99 * 200 + 150]).toBe(values[99 * 600 + 150]);
  });

  it("fills a caller's `out` buffer, shared or not", async () => {
    const plain = new Float32Array(800);
    const fromPlain = await read(array, [null, 7], { out: plain });
    expect(fromPlain.data).toBe(plain);
    expect(fromPlain.shape).toEqual([800]);
    expect(plain[799]).toBe(values[799 * 600 + 7]);
    const shared = new Float32Array(new SharedArrayBuffer(800 * 4));
    expect((await read(array, [null, 7], { out: shared })).data).toBe(shared);
    expect(Array.from(shared)).toEqual(Array.from(plain));
  });

  it("reports progress in chunks, ending at the total", async () => {
    const seen: Array<{ done: number; total: number | undefined }> = [];
    await read(array, [[0, 800], [0, 300]], { onProgress: ({ done, total }) => seen.push({ done, total }) });
    expect(seen.at(-1)).toEqual({ done: 8 * 3, total: 8 * 3 });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.map((s) => s.done)).toEqual([...seen.map((s) => s.done)].sort((a, b) => a - b));
  });

  it("rejects with AbortError when cancelled before the read starts", async () => {
    const before = new AbortController();
    before.abort();
    expect(isAbortError(await read(array, null, { signal: before.signal }).catch((e: unknown) => e))).toBe(true);
  });

  it.each([
    ["threads(2)", () => threads(2)],
    ["sequential()", () => sequential()],
  ])("rejects with AbortError when cancelled during the read, on %s", async (_name, makePlan) => {
    // Many rounds: aborting a running piscina task races its reply, and that
    // race once surfaced as an uncaught 'error' event in a later map.
    const plan = makePlan();
    for (let round = 0; round < 8; round++) {
      const during = new AbortController();
      const reading = withPlan(plan, () => read(array, null, {
        signal: during.signal,
        onProgress: ({ done }) => {
          if (done >= 10) during.abort();
        },
      }));
      expect(isAbortError(await reading.catch((e: unknown) => e))).toBe(true);
      expect((await withPlan(plan, () => read(array, [[0, 200], null]))).data[5]).toBe(values[5]);
    }
    await plan.close();
  });

  it("an empty selection gives an empty result without touching a chunk", async () => {
    const empty = await read(array, [[50, 50], null]);
    expect(empty.shape).toEqual([0, 600]);
    expect(empty.data.length).toBe(0);
  });

  it("a 0-d array reads and writes as one element", async () => {
    const scalar = await create(dir.path, "scalar", { shape: [], chunks: [], dtype: "int64", zarrFormat: 2 });
    await writeRegion(scalar, [], BigInt64Array.of(-42n));
    const result = await read(scalar);
    expect(result.shape).toEqual([]);
    expect(Array.from(result.data as BigInt64Array)).toEqual([-42n]);
  });
});

describe("zarr writeRegion", () => {
  it("returns a receipt whose sizes and checksums match the stored files", async () => {
    const target = await create(dir.path, "receipt", { shape: [40, 40], chunks: [16, 16], dtype: "int32", codec: "gzip", zarrFormat: 2 });
    const receipt = await writeRegion(target, null, pattern("int32", 1600) as Int32Array);
    expect(receipt.chunksWritten).toBe(9);
    expect(receipt.chunks.map((c) => c.key)).toEqual(["0.0", "0.1", "0.2", "1.0", "1.1", "1.2", "2.0", "2.1", "2.2"].map((k) => `/receipt/${k}`));
    let total = 0;
    for (const chunk of receipt.chunks) {
      const bytes = readFileSync(join(dir.path, chunk.key));
      total += bytes.byteLength;
      expect(chunk.bytes).toBe(bytes.byteLength);
      expect(chunk.checksum).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    }
    expect(receipt.bytesWritten).toBe(total);
  });

  it("a chunk rewritten to nothing but the fill value is deleted, and reads back as fill", async () => {
    const target = await create(dir.path, "sparse", { shape: [30], chunks: [10], dtype: "float32", fillValue: Number.NaN, zarrFormat: 3 });
    await writeRegion(target, null, pattern("float32", 30) as Float32Array);
    expect(existsSync(join(dir.path, "sparse/c/1"))).toBe(true);
    const receipt = await writeRegion(target, [[10, 20]], new Float32Array(10).fill(Number.NaN));
    expect(receipt.emptyChunks).toEqual(["/sparse/c/1"]);
    expect(receipt.chunksWritten).toBe(0);
    expect(existsSync(join(dir.path, "sparse/c/1"))).toBe(false);
    expect((await read(target, [[10, 20]])).data.every((v) => Number.isNaN(v))).toBe(true);
  });

  it("writes a row selected by an index, and strided (transposed) input", async () => {
    const target = await create(dir.path, "rows", { shape: [6, 50], chunks: [4, 8], dtype: "uint16" });
    const row = Uint16Array.from({ length: 50 }, (_, i) => i + 1);
    await writeRegion(target, [2, null], row);
    expect(Array.from((await read(target, [2, null])).data as Uint16Array)).toEqual(Array.from(row));
    expect(Array.from((await read(target, [1, [0, 3]])).data as Uint16Array)).toEqual([0, 0, 0]);

    // A 50×6 buffer read as its 6×50 transpose: element (i, j) is at j * 6 + i.
    const columnMajor = Uint16Array.from({ length: 300 }, (_, k) => 1000 + k);
    await writeRegion(target, null, { data: columnMajor, shape: [6, 50], stride: [1, 6] });
    const back = (await read(target)).data;
    expect(back[0 * 50 + 1]).toBe(1000 + 1 * 6 + 0);
    expect(back[5 * 50 + 49]).toBe(1000 + 49 * 6 + 5);
  });

  it("writes a whole chunk given as a view into a larger buffer (only the view's elements are stored)", async () => {
    const target = await create(dir.path, "views", { shape: [8, 8], chunks: [4, 8], dtype: "int32", codec: "zstd" });
    const big = Int32Array.from({ length: 100 }, (_, i) => i);
    await writeRegion(target, [[4, 8], null], big.subarray(10, 42));
    expect(Array.from((await read(target, [[4, 8], null])).data as Int32Array)).toEqual(Array.from(big.subarray(10, 42)));
    await writeRegion(target, [[0, 4], null], { data: big.subarray(50, 82), shape: [4, 8] });
    expect(Array.from((await read(target, [[0, 4], null])).data as Int32Array)).toEqual(Array.from(big.subarray(50, 82)));
  });

  it("read-modify-writes partly covered chunks, keeping their other elements", async () => {
    const target = await create(dir.path, "patch", { shape: [20, 20], chunks: [8, 8], dtype: "float64", codec: "blosc" });
    await writeRegion(target, null, new Float64Array(400).fill(1));
    await writeRegion(target, [[3, 13], [5, 6]], new Float64Array(10).fill(2));
    const result = (await read(target)).data;
    expect(result[3 * 20 + 5]).toBe(2);
    expect(result[12 * 20 + 5]).toBe(2);
    expect(result[13 * 20 + 5]).toBe(1);
    expect(result[3 * 20 + 4]).toBe(1);
    expect(Array.from(result as Float64Array).filter((v) => v === 2).length).toBe(10);
  });
});
