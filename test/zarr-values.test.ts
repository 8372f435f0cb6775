/**
 * No silent wrong value: a stored chunk of the wrong size is an error
 * naming it, a fill value that its dtype cannot hold is refused, and 64-bit
 * fill values stay exact in the handle, in the metadata, in reads of
 * missing chunks and for zarr-python.
 */
import { gzipSync } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  create, open, read, sequential, setPlan, writeRegion,
  isChunkSizeError, isMetadataError, isTaskError,
  type CreateOptions, type ZarrArray,
} from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { tempDirs, rejection } from "./fixtures/zarr-helpers.js";
import { readDump, zarrPython } from "./fixtures/zarr-python.js";

const { temp, removeAll } = tempDirs();

beforeAll(async () => {
  await setPlan(threads(2));
});
afterAll(async () => {
  await setPlan(sequential());
  removeAll();
});

/** The ChunkSizeError behind a failed read or write (it comes from the task that decoded the chunk). */
function chunkSizeErrorOf(error: unknown) {
  expect(isTaskError(error), String(error)).toBe(true);
  const cause = (error as Error).cause;
  if (!isChunkSizeError(cause)) throw new Error(`expected a ChunkSizeError as cause, got ${String(cause)}`);
  return cause;
}

describe("a stored chunk whose size is not what the metadata says", () => {
  // 8 float32 per chunk: 32 bytes.
  const options: CreateOptions = { shape: [16], chunks: [8], dtype: "float32", codec: "none" };

  async function arrayWithChunk0(root: string, bytes: Uint8Array, codec: CreateOptions["codec"] = "none"): Promise<ZarrArray> {
    const array = await create(root, "a", { ...options, codec });
    await writeRegion(array, null, Float32Array.from({ length: 16 }, (_, i) => i + 1));
    writeFileSync(join(root, "a", "c", "0"), bytes);
    return array;
  }

  it("a truncated uncompressed chunk fails the read, naming the chunk and both sizes", async () => {
    const root = temp("truncated");
    const array = await arrayWithChunk0(root, new Uint8Array(Float32Array.of(5).buffer));
    const cause = chunkSizeErrorOf(await rejection(read(array)));
    expect(cause).toMatchObject({ key: "/a/c/0", expectedBytes: 32, actualBytes: 4 });
    expect(cause.message).toContain("/a/c/0");
    expect(cause.message).toContain("32 bytes");
    expect(cause.message).toContain("4 bytes");
  });

  it("a padded uncompressed chunk fails the read", async () => {
    const root = temp("padded");
    const array = await arrayWithChunk0(root, new Uint8Array(Float32Array.from({ length: 9 }, () => 7).buffer));
    expect(chunkSizeErrorOf(await rejection(read(array, [[0, 4]])))).toMatchObject({ expectedBytes: 32, actualBytes: 36 });
  });

  it("a compressed chunk that decompresses to the wrong size fails the read", async () => {
    const root = temp("compressed");
    const array = await arrayWithChunk0(root, gzipSync(new Uint8Array(Float32Array.of(1, 2, 3).buffer)), "gzip");
    expect(chunkSizeErrorOf(await rejection(read(array)))).toMatchObject({ key: "/a/c/0", expectedBytes: 32, actualBytes: 12 });
  });

  it("a partial write into a truncated chunk is refused, and the chunk is left as it was", async () => {
    const root = temp("patch-truncated");
    const bad = new Uint8Array(Float32Array.of(5).buffer);
    const array = await arrayWithChunk0(root, bad);
    chunkSizeErrorOf(await rejection(writeRegion(array, [[2, 4]], Float32Array.of(9, 9))));
    expect(new Uint8Array(readFileSync(join(root, "a", "c", "0")))).toEqual(bad);
  });
});

describe("fill values are checked against their dtype", () => {
  const cases: Array<[string, unknown]> = [
    ["uint8", 300],
    ["uint8", -1],
    ["int8", 128],
    ["uint16", 1.5],
    ["float32", 1e40],
    ["float32", -1e40],
    ["int64", 2 ** 63],
    ["uint64", -1n],
    ["uint64", 2n ** 64n],
  ];
  for (const [dtype, fillValue] of cases) {
    it(`create refuses ${dtype} fillValue ${String(fillValue)}${typeof fillValue === "bigint" ? "n" : ""} before writing anything`, async () => {
      const root = temp("fill-refused");
      const error = await rejection(create(root, "a", { shape: [4], chunks: [4], dtype, fillValue: fillValue as number }));
      expect(isMetadataError(error), String(error)).toBe(true);
      expect((error as Error).message).toContain(dtype);
      expect((error as { field: string }).field).toBe("fillValue");
      await expect(open(root, "a")).rejects.toThrow(/no Zarr array/);
    });
  }

  it("open refuses metadata whose fill value its dtype cannot hold (uint8 300 would read back as 44)", async () => {
    const root = temp("fill-metadata");
    await create(root, "a", { shape: [4], chunks: [4], dtype: "uint8", fillValue: 3, zarrFormat: 2 });
    const file = join(root, "a", ".zarray");
    writeFileSync(file, readFileSync(file, "utf8").replace('"fill_value": 3', '"fill_value": 300'));
    const error = await rejection(open(root, "a"));
    expect(isMetadataError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain("fill_value");
  });

  it("writeRegion refuses a handle edited to a fill value its dtype cannot hold", async () => {
    const root = temp("fill-handle");
    const array = await create(root, "a", { shape: [4], chunks: [2], dtype: "uint8", fillValue: 1 });
    const error = await rejection(writeRegion({ ...array, fillValue: 300 }, [[0, 1]], Uint8Array.of(5)));
    expect(isMetadataError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain("300");
  });

  it("accepts the extremes each dtype holds", async () => {
    const root = temp("fill-extremes");
    const a = await create(root, "u8", { shape: [2], chunks: [2], dtype: "uint8", fillValue: 255 });
    const b = await create(root, "f4", { shape: [2], chunks: [2], dtype: "float32", fillValue: -3.4028234663852886e38 });
    expect(Array.from((await read(a)).data as Uint8Array)).toEqual([255, 255]);
    expect(Array.from((await read(b)).data as Float32Array)).toEqual([-3.4028234663852886e38, -3.4028234663852886e38]);
  });
});

describe("64-bit fill values are exact end to end", () => {
  const cases: Array<{ name: string; dtype: "int64" | "uint64"; fill: bigint }> = [
    { name: "int64_max", dtype: "int64", fill: 2n ** 63n - 1n },
    { name: "int64_min", dtype: "int64", fill: -(2n ** 63n) },
    { name: "int64_odd", dtype: "int64", fill: 9007199254740993n },
    { name: "uint64_missing", dtype: "uint64", fill: 2n ** 64n - 1n },
  ];

  for (const zarrFormat of [2, 3] as const) {
    for (const c of cases) {
      it(`v${zarrFormat} ${c.dtype} ${c.fill}: in the handle, the metadata's digits, a reopened handle and missing chunks`, async () => {
        const root = temp("fill64");
        const array = await create(root, c.name, { shape: [6], chunks: [3], dtype: c.dtype, fillValue: c.fill, zarrFormat });
        expect(array.fillValue).toBe(c.fill);
        const metadata = readFileSync(join(root, c.name, zarrFormat === 3 ? "zarr.json" : ".zarray"), "utf8");
        expect(metadata).toContain(`"fill_value": ${c.fill}`);
        const reopened = await open(root, c.name);
        expect(reopened.fillValue).toBe(c.fill);
        await writeRegion(reopened, [[3, 4]], c.dtype === "int64" ? BigInt64Array.of(1n) : BigUint64Array.of(1n));
        const values = Array.from((await read(reopened)).data as BigInt64Array);
        expect(values).toEqual([c.fill, c.fill, c.fill, 1n, c.fill, c.fill]);
      });
    }
  }

  it("only fill values become bigints: a long integer in the attributes stays a number, as JSON.parse gives it", async () => {
    const root = temp("fill64-attrs");
    await create(root, "a", { shape: [2], chunks: [2], dtype: "uint64", fillValue: 2n ** 64n - 1n, attributes: { count: 12345678901234567890 } });
    const array = await open(root, "a");
    expect(array.fillValue).toBe(2n ** 64n - 1n);
    expect(array.attributes.count).toBe(12345678901234567890);
  });

  it("no fill value (null) is a v2 notion: Zarr v3 create refuses it", async () => {
    const error = await rejection(create(temp("null-v3"), "a", { shape: [2], chunks: [2], dtype: "int32", fillValue: null }));
    expect(isMetadataError(error) && error.field).toBe("fillValue");
  });

  it("zarr-python reads the exact fill values of v2 arrays parazarr wrote", async () => {
    const root = temp("fill64-python");
    const dumps = temp("fill64-dumps");
    for (const c of cases) await create(root, c.name, { shape: [4], chunks: [2], dtype: c.dtype, fillValue: c.fill, zarrFormat: 2 });
    zarrPython("fills", root, dumps, cases.map((c) => c.name));
    const seen = JSON.parse(readDump(dumps, "fills.json").toString("utf8")) as Record<string, { fill_value: string; first: string }>;
    for (const c of cases) expect(seen[c.name], c.name).toMatchObject({ fill_value: String(c.fill), first: String(c.fill) });
  });
});
