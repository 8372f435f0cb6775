/**
 * Every bad input is refused with a tagged error before the first byte is
 * written: each test snapshots the store before the call and checks it is
 * byte for byte the same after.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  create, open, read, sequential, setPlan, writeRegion,
  isArrayExistsError, isArrayNotFoundError, isChunkAlignmentError, isDataMismatchError, isMetadataError,
  isReadOnlyStoreError, isSelectionError, isStoreKeyError, isTaskError, isUnknownCodecError, isZarrOptionError,
  type TaskError, type ZarrArray,
} from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { makeTempDir, pattern, snapshotStore } from "./fixtures/zarr-helpers.js";

const dir = makeTempDir("errors");
let array: ZarrArray;
let before: Record<string, string>;

beforeAll(async () => {
  await setPlan(threads(2));
  array = await create(dir.path, "grid/t", { shape: [100, 60], chunks: [10, 20], dtype: "float32", codec: "zstd", zarrFormat: 3 });
  await writeRegion(array, null, pattern("float32", 6000) as Float32Array);
});
beforeEach(() => {
  before = snapshotStore(dir.path);
});
afterAll(async () => {
  await setPlan(sequential());
  dir.remove();
});

/** Runs `call`, expects it to reject with an error the guard accepts, and the store to be unchanged. */
async function refused<E>(call: () => Promise<unknown>, guard: (e: unknown) => e is E): Promise<E> {
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have been refused").toBeDefined();
  if (!guard(error)) throw new Error(`refused with the wrong error: ${String(error)}`);
  expect(snapshotStore(dir.path)).toEqual(before);
  return error;
}

describe("zarr bad input: selections and regions", () => {
  it("a selection of the wrong rank", async () => {
    const e = await refused(() => read(array, [[0, 10]]), isSelectionError);
    expect(e.message).toContain("1 entries but the array has 2 dimensions");
  });
  it("an index out of bounds names the dimension", async () => {
    const e = await refused(() => read(array, [5, 60]), isSelectionError);
    expect(e.dimension).toBe(1);
    expect(e.message).toContain("[0, 60)");
  });
  it("a range past the end, a reversed range, a fractional index, a string", async () => {
    await refused(() => read(array, [[0, 101], null]), isSelectionError);
    await refused(() => read(array, [[20, 10], null]), isSelectionError);
    await refused(() => read(array, [1.5, null]), isSelectionError);
    await refused(() => read(array, ["0:10" as never, null]), isSelectionError);
  });
  it("a region out of bounds, before any chunk is written", async () => {
    const e = await refused(() => writeRegion(array, [[90, 110], null], new Float32Array(20 * 60)), isSelectionError);
    expect(e.dimension).toBe(0);
  });
  it("a region of the wrong rank", async () => {
    await refused(() => writeRegion(array, [null], new Float32Array(6000)), isSelectionError);
  });
});

describe("zarr bad input: data", () => {
  it("data of the wrong shape", async () => {
    const e = await refused(() => writeRegion(array, [[0, 10], [0, 20]], { data: new Float32Array(200), shape: [20, 10] }), isDataMismatchError);
    expect(e.expected).toBe("[10,20]");
    expect(e.actual).toBe("[20,10]");
  });
  it("data of the wrong dtype", async () => {
    const e = await refused(() => writeRegion(array, [[0, 10], [0, 20]], new Float64Array(200)), isDataMismatchError);
    expect(e.expected).toBe("float32");
    expect(e.actual).toBe("float64");
  });
  it("a typed array of the wrong length, and something that is not data at all", async () => {
    await refused(() => writeRegion(array, [[0, 10], [0, 20]], new Float32Array(199)), isDataMismatchError);
    await refused(() => writeRegion(array, [[0, 10], [0, 20]], [1, 2, 3] as never), isDataMismatchError);
  });
  it("an `out` buffer of the wrong type or length", async () => {
    await refused(() => read(array, [[0, 10], null], { out: new Float32Array(10) }), isDataMismatchError);
    await refused(() => read(array, [[0, 10], null], { out: new Int32Array(600) }), isDataMismatchError);
  });
  it("an unknown option", async () => {
    const e = await refused(() => writeRegion(array, null, new Float32Array(6000), { independant: true } as never), isZarrOptionError);
    expect(e.option).toBe("independant");
  });
});

describe("zarr bad input: independent writers must keep to whole chunks", () => {
  it("names the dimension, the edge and the nearest chunk boundaries", async () => {
    const e = await refused(
      () => writeRegion(array, [[10, 30], [20, 45]], new Float32Array(20 * 25), { independent: true }),
      isChunkAlignmentError,
    );
    expect(e).toMatchObject({ dimension: 1, edge: "stop", value: 45, below: 40, above: 60 });
    expect(e.message).toContain("40 and 60");
  });
  it("a start inside a chunk", async () => {
    const e = await refused(() => writeRegion(array, [[15, 30], null], new Float32Array(15 * 60), { independent: true }), isChunkAlignmentError);
    expect(e).toMatchObject({ dimension: 0, edge: "start", value: 15, below: 10, above: 20 });
  });
  it("accepts a region that ends at the array's edge, and writes it", async () => {
    const edge = await create(dir.path, "grid/edge", { shape: [25], chunks: [10], dtype: "int16", zarrFormat: 2 });
    const receipt = await writeRegion(edge, [[20, 25]], Int16Array.from([1, 2, 3, 4, 5]), { independent: true });
    expect(receipt.chunksWritten).toBe(1);
    expect(Array.from((await read(edge, [[18, 25]])).data as Int16Array)).toEqual([0, 0, 1, 2, 3, 4, 5]);
  });
});

describe("zarr bad input: arrays and metadata", () => {
  it("a missing array", async () => {
    const e = await refused(() => open(dir.path, "grid/nothing"), isArrayNotFoundError);
    expect(e.path).toBe("grid/nothing");
  });
  it("a group where an array was expected", async () => {
    const e = await refused(() => open(dir.path, "grid"), isArrayNotFoundError);
    expect(e.message).toContain("is a group");
  });
  it("malformed metadata names the field", async () => {
    mkdirSync(join(dir.path, "bad/shape"), { recursive: true });
    writeFileSync(join(dir.path, "bad/shape/.zarray"), JSON.stringify({ zarr_format: 2, shape: [10, -1], chunks: [5, 5], dtype: "<f4", compressor: null, fill_value: 0, order: "C", filters: null }));
    mkdirSync(join(dir.path, "bad/json"), { recursive: true });
    writeFileSync(join(dir.path, "bad/json/zarr.json"), "{ not json");
    mkdirSync(join(dir.path, "bad/dtype"), { recursive: true });
    writeFileSync(join(dir.path, "bad/dtype/.zarray"), JSON.stringify({ zarr_format: 2, shape: [10], chunks: [5], dtype: "<U4", compressor: null, fill_value: "", order: "C", filters: null }));
    before = snapshotStore(dir.path);
    expect((await refused(() => open(dir.path, "bad/shape"), isMetadataError)).field).toContain("shape");
    expect((await refused(() => open(dir.path, "bad/json"), isMetadataError)).message).toContain("not valid JSON");
    const dtype = await refused(() => open(dir.path, "bad/dtype"), isMetadataError);
    expect(dtype.field).toContain("dtype");
    expect(dtype.message).toContain('"<U4"');
  });
  it("an unknown codec names it and says how to register one", async () => {
    mkdirSync(join(dir.path, "bad/codec"), { recursive: true });
    writeFileSync(join(dir.path, "bad/codec/.zarray"), JSON.stringify({ zarr_format: 2, shape: [10], chunks: [5], dtype: "<f4", compressor: { id: "lzma", preset: 1 }, fill_value: 0, order: "C", filters: null }));
    before = snapshotStore(dir.path);
    const e = await refused(() => open(dir.path, "bad/codec"), isUnknownCodecError);
    expect(e.codec).toBe("numcodecs.lzma");
    expect(e.message).toContain("registerCodec");
  });
  it("a handle edited to name an unknown codec is refused before any chunk is written", async () => {
    const edited = { ...array, codecs: [...array.codecs, { name: "made-up", configuration: {} }] };
    expect((await refused(() => writeRegion(edited, null, new Float32Array(6000)), isUnknownCodecError)).codec).toBe("made-up");
  });
  it("create refuses bad options, naming each", async () => {
    const base = { shape: [10, 10], chunks: [5, 5], dtype: "float32" } as const;
    expect((await refused(() => create(dir.path, "new", { ...base, shape: [10, -3] }), isMetadataError)).field).toBe("shape");
    expect((await refused(() => create(dir.path, "new", { ...base, chunks: [5] }), isMetadataError)).field).toBe("chunks");
    expect((await refused(() => create(dir.path, "new", { ...base, dtype: "complex64" }), isMetadataError)).field).toBe("dtype");
    expect((await refused(() => create(dir.path, "new", { ...base, order: "F" }), isMetadataError)).field).toBe("order");
    expect((await refused(() => create(dir.path, "new", { ...base, fillValue: 0.5, dtype: "int8" }), isMetadataError)).field).toBe("fillValue");
    expect((await refused(() => create(dir.path, "new", { ...base, codec: "lzma" as never }), isZarrOptionError)).option).toBe("codec");
    expect((await refused(() => create(dir.path, "new", { ...base, codec: { name: "blosc", shuffle: "yes" as never } }), isZarrOptionError)).option).toBe("codec.shuffle");
    expect((await refused(() => create(dir.path, "new", { ...base, chunk: [5, 5] } as never), isZarrOptionError)).option).toBe("chunk");
  });
  it("create refuses to replace an existing array", async () => {
    const e = await refused(() => create(dir.path, "grid/t", { shape: [1], chunks: [1], dtype: "int8" }), isArrayExistsError);
    expect(e.path).toBe("grid/t");
  });
  it("a write to a read-only (HTTP) store", async () => {
    await refused(() => create("http://127.0.0.1:9/archive.zarr", "t", { shape: [4], chunks: [2], dtype: "int8" }), isReadOnlyStoreError);
  });
});

describe("zarr bad input: keys that would escape the store root", () => {
  it("an array path with '..' is refused, and nothing lands outside the store", async () => {
    const inner = join(dir.path, "inner");
    mkdirSync(inner, { recursive: true });
    before = snapshotStore(dir.path);
    const e = await refused(() => create(inner, "../escaped", { shape: [4], chunks: [2], dtype: "int8" }), isStoreKeyError);
    expect(e.key).toContain("..");
  });
  it("a handle edited to point outside the store is refused before any write", async () => {
    const tampered = { ...array, path: "../../tmp/evil" };
    await refused(() => writeRegion(tampered, null, new Float32Array(6000)), isStoreKeyError);
    await refused(() => read(tampered, null), isStoreKeyError);
  });
});

describe("zarr failures inside tasks", () => {
  it("a corrupt chunk fails the read with a TaskError whose cause names the chunk and the codec", async () => {
    const other = await create(dir.path, "corrupt", { shape: [40], chunks: [5], dtype: "float64", codec: "zstd", zarrFormat: 2 });
    await writeRegion(other, null, pattern("float64", 40) as Float64Array);
    writeFileSync(join(dir.path, "corrupt/3"), Buffer.from("definitely not zstd"));
    // 320 bytes of chunks would be read in the caller: send them to the threads.
    const error = await read(other, null, { inline: "never" }).then(() => undefined, (e: unknown) => e);
    expect(isTaskError(error)).toBe(true);
    expect((error as TaskError).worker).toMatch(/^thread \d+$/);
    // Tagged, naming the chunk, with the worker-side decoder's own error inside: it names the codec that refused the bytes.
    // (node:zlib's zstd, Node >= 22.15, says only "Unknown frame descriptor": the codec's name comes from parazarr.)
    const cause = (error as TaskError).cause as Error & { key?: string; codec?: string };
    expect(cause.name).toBe("ChunkDecodeError");
    expect(cause.key).toBe("/corrupt/3");
    expect(cause.codec).toBe("numcodecs.zstd"); // a v2 compressor, as zarrita names it
    expect(cause.message).toMatch(/^chunk \/corrupt\/3 could not be decoded by codec numcodecs\.zstd: ./);
    expect((cause.cause as Error).message.length).toBeGreaterThan(0);
    // A corrupt chunk stays corrupt: it is not retried as if the store had hiccuped.
    expect((error as TaskError).attempt).toBe(1);
  });
});
