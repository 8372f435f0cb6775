/**
 * Interop with other implementations: arrays written by zarr-python
 * (Debian's python3-zarr, run as /usr/bin/python3) are read exactly, v2
 * arrays written by parazarr are read exactly by zarr-python (through the
 * consolidated metadata xarray uses), and v3 arrays round-trip with zarrita.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as zarrita from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { create, open, read, sequential, setPlan, writeRegion, type DType, type Selection } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";
import { ArrayModel, bytesOf, emptyOf, pattern, tempDirs } from "./fixtures/zarr-helpers.js";

// Every call goes to the workers, however small (the default runs small
// calls in the caller): threads(2) must really exercise the worker path.
process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("./fixtures/zarr-interop.py", import.meta.url));

function python(command: "write" | "dump" | "xarray", root: string, dumps: string, payload: unknown): void {
  execFileSync(PYTHON, [SCRIPT, command, root, dumps, JSON.stringify(payload)], { stdio: ["ignore", "ignore", "pipe"] });
}

function dumped(dumps: string, name: string, dtype: DType): { data: Buffer; meta: Record<string, unknown> } {
  const file = name.replaceAll("/", "_");
  const meta = JSON.parse(readFileSync(join(dumps, `${file}.json`), "utf8")) as Record<string, unknown>;
  const data = readFileSync(join(dumps, `${file}.bin`));
  expect(data.byteLength % emptyOf(dtype, 1).BYTES_PER_ELEMENT).toBe(0);
  return { data, meta };
}

/** The dump as a typed array (a copy: Buffer's pool offset may be unaligned). */
function asTyped(dtype: DType, bytes: Buffer) {
  const out = emptyOf(dtype, bytes.byteLength / emptyOf(dtype, 1).BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

const { temp, removeAll } = tempDirs();

const watched = observed(threads(2));
beforeAll(async () => {
  await setPlan(watched.plan);
});
afterAll(async () => {
  await setPlan(sequential());
  removeAll();
});

interface PySpec {
  name: string;
  shape: number[];
  chunks: number[];
  dtype: string;
  base: DType;
  compressor?: Record<string, unknown> | null;
  fill_value?: number | string;
  order?: "C" | "F";
  separator?: "/";
  region?: Array<[number, number]>;
  selection: Selection;
}

const written: PySpec[] = [
  { name: "zstd_f4", shape: [40, 50], chunks: [16, 16], dtype: "<f4", base: "float32", compressor: { id: "zstd", level: 3 }, selection: [[3, 37], 7] },
  { name: "blosc_lz4_shuffle_f8_be", shape: [21, 22, 23], chunks: [8, 8, 8], dtype: ">f8", base: "float64", compressor: { id: "blosc", cname: "lz4", shuffle: 1 }, selection: [5, [1, 20], null] },
  { name: "blosc_zstd_bitshuffle_i2", shape: [100, 30], chunks: [25, 7], dtype: "<i2", base: "int16", compressor: { id: "blosc", cname: "zstd", shuffle: 2 }, selection: [[10, 90], [6, 8]] },
  { name: "gzip_u2_F", shape: [33, 44], chunks: [10, 10], dtype: "<u2", base: "uint16", compressor: { id: "gzip", level: 6 }, order: "F", selection: [[0, 33], [11, 30]] },
  { name: "zlib_i8_be", shape: [17, 19], chunks: [5, 6], dtype: ">i8", base: "int64", compressor: { id: "zlib", level: 1 }, selection: [16, null] },
  { name: "raw_u1_4d", shape: [3, 4, 5, 6], chunks: [2, 3, 2, 4], dtype: "|u1", base: "uint8", compressor: null, selection: [[1, 3], 2, [0, 5], [3, 6]] },
  { name: "nan_fill_partial", shape: [30, 30], chunks: [8, 8], dtype: "<f4", base: "float32", compressor: { id: "zstd" }, fill_value: "NaN", region: [[0, 13], [5, 30]], selection: [[10, 20], [0, 30]] },
  { name: "nested/slash_sep", shape: [20, 20], chunks: [6, 6], dtype: "<i4", base: "int32", compressor: { id: "zstd" }, separator: "/", selection: [[0, 20], [0, 20]] },
];

describe("zarr interop: arrays written by zarr-python", () => {
  let root = "";
  let dumps = "";
  beforeAll(() => {
    root = temp("py-written");
    dumps = temp("py-dumps");
    python("write", root, dumps, written);
  });

  for (const spec of written) {
    it(`reads ${spec.name} (${spec.dtype}, ${spec.compressor ? String(spec.compressor.id) : "raw"}${spec.order === "F" ? ", F order" : ""}) exactly`, async () => {
      const { data: expected } = dumped(dumps, spec.name, spec.base);
      const array = await open(`file://${root}`, spec.name);
      expect(array.zarrFormat).toBe(2);
      expect(array.shape).toEqual(spec.shape);
      expect(array.dimensionNames).toEqual(spec.shape.map((_, d) => `d${d}`));

      watched.reset();
      const whole = await read(array);
      expectRanOn(watched, "readChunks", /^thread \d+$/);
      expect(whole.shape).toEqual(spec.shape);
      expect(bytesOf(whole.data).equals(expected)).toBe(true);

      const model = new ArrayModel(spec.base, spec.shape, 0);
      model.write(null, asTyped(spec.base, expected));
      const part = await read(array, spec.selection);
      const want = model.read(spec.selection);
      expect(part.shape).toEqual(want.shape);
      expect(bytesOf(part.data).equals(bytesOf(want.data))).toBe(true);
    });
  }
});

interface OurSpec {
  name: string;
  dtype: string;
  base: DType;
  shape: number[];
  chunks: number[];
  codec: Parameters<typeof create>[2]["codec"];
  order?: "C" | "F";
  fillValue?: number;
  region?: Selection;
}

const ours: OurSpec[] = [
  { name: "t/zstd", dtype: "float32", base: "float32", shape: [48, 36], chunks: [10, 10], codec: "zstd" },
  { name: "t/blosc_lz4", dtype: "float64", base: "float64", shape: [12, 13, 14], chunks: [5, 5, 5], codec: { name: "blosc", cname: "lz4", shuffle: "shuffle" } },
  { name: "t/blosc_zstd_bit", dtype: "<u2", base: "uint16", shape: [70, 20], chunks: [16, 16], codec: { name: "blosc", cname: "zstd", shuffle: "bitshuffle" } },
  { name: "t/gzip_be", dtype: ">i4", base: "int32", shape: [33, 29], chunks: [8, 8], codec: "gzip" },
  { name: "t/zlib_F", dtype: ">f8", base: "float64", shape: [20, 21, 3], chunks: [6, 6, 2], codec: "zlib", order: "F" },
  { name: "t/raw_i8", dtype: "int64", base: "int64", shape: [500], chunks: [64], codec: "none" },
  { name: "t/nan_partial", dtype: "float32", base: "float32", shape: [30, 30], chunks: [7, 7], codec: "zstd", fillValue: Number.NaN, region: [[3, 17], [9, 30]] },
];

describe("zarr interop: v2 arrays written by parazarr, read by zarr-python", () => {
  let root = "";
  let dumps = "";
  const models = new Map<string, ArrayModel>();
  beforeAll(async () => {
    root = temp("ours");
    dumps = temp("ours-dumps");
    for (const spec of ours) {
      const array = await create(root, spec.name, {
        shape: spec.shape, chunks: spec.chunks, dtype: spec.dtype, codec: spec.codec, zarrFormat: 2,
        fillValue: spec.fillValue ?? 0, dimensionNames: spec.shape.map((_, d) => `dim${d}`), attributes: { source: "parazarr" },
        ...(spec.order ? { order: spec.order } : {}),
      });
      const model = new ArrayModel(spec.base, spec.shape, spec.fillValue ?? 0);
      const shape = model.read(spec.region ?? null).shape;
      const values = pattern(spec.base, shape.reduce((a, b) => a * b, 1), 3);
      await writeRegion(array, spec.region ?? null, { data: values, shape });
      model.write(spec.region ?? null, values);
      models.set(spec.name, model);
    }
    python("dump", root, dumps, ours.map((s) => s.name));
  });

  it("wrote every array on the threads, none of it in the caller", () => {
    expectRanOn(watched, "writeChunks", /^thread \d+$/);
  });

  for (const spec of ours) {
    it(`zarr-python reads ${spec.name} exactly, with its attributes and dimension names`, () => {
      const { data, meta } = dumped(dumps, spec.name, spec.base);
      expect(data.equals(bytesOf(models.get(spec.name)!.data))).toBe(true);
      expect(meta.shape).toEqual(spec.shape);
      expect(meta.order).toBe(spec.order ?? "C");
      expect(meta.attrs).toEqual({ source: "parazarr", _ARRAY_DIMENSIONS: spec.shape.map((_, d) => `dim${d}`) });
      if (spec.fillValue !== undefined) expect(meta.fill_value).toBe("NaN");
    });
  }
});

describe("zarr interop: xarray opens a v2 archive parazarr built", () => {
  it("finds dimensions, coordinates, data and attributes through the consolidated metadata", async () => {
    const root = temp("xarray");
    const dumps = temp("xarray-dumps");
    const common = { zarrFormat: 2 as const, codec: "zstd" as const };
    const time = await create(root, "archive/time", { ...common, shape: [10], chunks: [10], dtype: "int32", dimensionNames: ["time"], attributes: { units: "days since 2000-01-01" } });
    const lat = await create(root, "archive/lat", { ...common, shape: [7], chunks: [7], dtype: "float64", dimensionNames: ["lat"] });
    const temperature = await create(root, "archive/temperature", {
      ...common, shape: [10, 7, 9], chunks: [4, 4, 4], dtype: "float32", fillValue: Number.NaN,
      dimensionNames: ["time", "lat", "lon"], attributes: { units: "K", long_name: "air temperature" },
    });
    await writeRegion(time, null, Int32Array.from({ length: 10 }, (_, i) => i * 31));
    await writeRegion(lat, null, Float64Array.from({ length: 7 }, (_, i) => -30 + i * 10));
    const values = pattern("float32", 630, 9) as Float32Array;
    await writeRegion(temperature, [[0, 8], null, null], values.subarray(0, 8 * 63));
    python("xarray", root, dumps, "archive");

    const summary = JSON.parse(readFileSync(join(dumps, "xr_summary.json"), "utf8"));
    expect(summary.dims).toEqual({ time: 10, lat: 7, lon: 9 });
    expect(summary.variables.temperature).toMatchObject({ dims: ["time", "lat", "lon"], dtype: "<f4", attrs: { units: "K", long_name: "air temperature" } });
    expect(summary.variables.time).toMatchObject({ dims: ["time"], attrs: { units: "days since 2000-01-01" } });
    const expected = Float32Array.from(values);
    expected.fill(Number.NaN, 8 * 63);
    expect(readFileSync(join(dumps, "xr_temperature.bin")).equals(bytesOf(expected))).toBe(true);
    expect(Array.from(new Float64Array(new Uint8Array(readFileSync(join(dumps, "xr_lat.bin"))).buffer))).toEqual([-30, -20, -10, 0, 10, 20, 30]);
  });
});

describe("zarr interop: v3 with zarrita", () => {
  it("zarrita reads a v3 array parazarr wrote, and parazarr reads one zarrita wrote", async () => {
    const root = temp("v3-zarrita");
    const ours = await create(root, "ours", { shape: [25, 30], chunks: [8, 8], dtype: "int32", codec: "gzip", dimensionNames: ["y", "x"] });
    const values = pattern("int32", 750, 5) as Int32Array;
    await writeRegion(ours, null, values);
    const store = new FileSystemStore(root);
    const seen = await zarrita.get(await zarrita.open.v3(zarrita.root(store).resolve("ours"), { kind: "array" }));
    expect(Buffer.from((seen.data as Int32Array).buffer).equals(bytesOf(values))).toBe(true);

    const theirs = await zarrita.create(zarrita.root(store).resolve("theirs"), {
      shape: [25, 30], chunkShape: [7, 9], dtype: "float64", fillValue: -1,
      codecs: [{ name: "bytes", configuration: { endian: "big" } }],
    });
    const doubles = pattern("float64", 750, 6) as Float64Array;
    await zarrita.set(theirs, [zarrita.slice(0, 20), null], { data: doubles.subarray(0, 600), shape: [20, 30], stride: [30, 1] });
    const back = await read(await open(root, "theirs"));
    const expected = Float64Array.from(doubles);
    expected.fill(-1, 600);
    expect(bytesOf(back.data).equals(bytesOf(expected))).toBe(true);
  });
});
