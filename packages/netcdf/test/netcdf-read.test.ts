/**
 * Every value and attribute this package reads, compared with netCDF4-python
 * reading the same file raw (auto mask and scale off): classic files made by
 * netCDF-C's ncgen (CDF-1 and CDF-2, every classic type, fixed and record
 * variables, the single-record-variable packing), classic and NETCDF4 files
 * made by netCDF4-python (zlib, chunks, packed int16, big-endian, 64-bit and
 * unsigned types, a group, strings).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceFile } from "@parazarr/core";
import { netcdf, openNetcdf } from "@parazarr/netcdf";
import { allTypesCdl, boxesFor, describeWithPython, ncgen, python, readWithPython, singleByteRecordCdl, singleRecordCdl } from "./fixtures/netcdf-files.js";

let dir: string;
const files: Record<string, string> = {};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-read-"));
  const at = (name: string) => (files[name] = join(dir, name));
  ncgen("nc3", allTypesCdl(4), at("all-types.nc3"));
  ncgen("nc6", allTypesCdl(4), at("all-types-64bit-offset.nc"));
  ncgen("nc3", allTypesCdl(0), at("no-records.nc3"));
  ncgen("nc3", singleRecordCdl(5), at("single-record-short.nc3"));
  ncgen("nc3", singleRecordCdl(7, "byte"), at("single-record-byte.nc3"));
  ncgen("nc6", singleByteRecordCdl(9), at("single-byte-record.nc"));
  ncgen("nc4", allTypesCdl(4), at("all-types-ncgen.nc4"));
  python("make-classic", at("python-classic.nc"), "NETCDF3_CLASSIC");
  python("make-classic", at("python-64bit-offset.nc"), "NETCDF3_64BIT_OFFSET");
  python("make-nc4", at("python.nc4"));
  // STREAMING: a writer that never came back to write numrecs.
  const streaming = readFileSync(files["all-types.nc3"]!);
  streaming.writeUInt32BE(0xffffffff, 4);
  writeFileSync(at("streaming.nc3"), streaming);
  // An HDF5 user block: the signature at 512, not at 0.
  writeFileSync(at("userblock.nc4"), Buffer.concat([Buffer.alloc(512, 0x20), readFileSync(files["python.nc4"]!)]));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Our attributes in netCDF4-python's shape: numbers, lists of numbers, strings (bigints beyond 2^53). */
const comparable = (attributes: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));

async function expectSameAsPython(name: string, expectedKind: string): Promise<SourceFile> {
  const file = files[name]!;
  const source = await openNetcdf(pathToFileURL(file));
  const reference = describeWithPython(file);
  expect(source.kind).toBe(expectedKind);
  expect(source.dimensions).toEqual(reference.dimensions);
  expect(Object.keys(source.dimensions)).toEqual(Object.keys(reference.dimensions));
  expect(comparable(source.attributes)).toEqual(reference.attributes);
  const numeric = Object.entries(reference.variables).filter(([, v]) => v.dtype !== "text");
  expect(Object.keys(source.variables).sort()).toEqual(numeric.map(([n]) => n).sort());
  const reads = [];
  for (const [variable, meta] of numeric) {
    const ours = source.variables[variable]!;
    expect({ dimensions: ours.dimensions, shape: ours.shape, dtype: ours.dtype, attributes: comparable(ours.attributes) }, variable).toEqual({
      dimensions: meta.dimensions,
      shape: meta.shape,
      dtype: meta.dtype,
      attributes: meta.attributes,
    });
    for (const box of boxesFor(meta.shape)) reads.push({ variable, box });
  }
  const expected = readWithPython(file, reads);
  for (const [i, { variable, box }] of reads.entries()) {
    const got = await source.read(variable, box);
    expect(got.constructor, `${variable} ${JSON.stringify(box)}`).toBe(expected[i]!.constructor);
    // Bytes, not numbers: NaN and -0 must be bit-exact too.
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(expected[i]!.buffer)), `${variable} ${JSON.stringify(box)}`).toBe(true);
  }
  return source;
}

describe("classic files made by netCDF-C's ncgen", () => {
  it("CDF-1: every classic type as fixed and record variables, every box, every attribute", async () => {
    const source = await expectSameAsPython("all-types.nc3", "cdf1");
    expect(source.skipped).toEqual({ label: "NC_CHAR (text) has no Zarr numeric dtype", name: "NC_CHAR (text) has no Zarr numeric dtype" });
    expect(source.variables.scalar!.attributes.note).toBe("nul-padded"); // trailing NULs are not text
    expect(source.variables.odd!.attributes).toEqual({ _FillValue: -1, scale_factor: 0.5, add_offset: 10 });
    expect(source.identity).toEqual({ size: readFileSync(files["all-types.nc3"]!).length, mtimeMs: expect.any(Number) });
    await source.close();
    await source.close(); // idempotent
  });

  it("CDF-2 (64-bit offset) reads the same", async () => {
    await (await expectSameAsPython("all-types-64bit-offset.nc", "cdf2")).close();
  });

  it("a file with an unlimited dimension and no records yet", async () => {
    const source = await expectSameAsPython("no-records.nc3", "cdf1");
    expect(source.dimensions.time).toBe(0);
    await source.close();
  });

  it("a file whose only record variable is short or byte: records packed without padding", async () => {
    await (await expectSameAsPython("single-record-short.nc3", "cdf1")).close();
    await (await expectSameAsPython("single-record-byte.nc3", "cdf1")).close();
    await (await expectSameAsPython("single-byte-record.nc", "cdf2")).close();
  });

  it("STREAMING numrecs: the record count is what the file's size holds", async () => {
    const source = await openNetcdf(files["streaming.nc3"]!);
    const normal = await openNetcdf(files["all-types.nc3"]!);
    expect(source.dimensions).toEqual(normal.dimensions);
    expect(source.dimensions.time).toBe(4);
    const box = [[0, 4], [0, 5]] as const;
    expect(await source.read("r_short", box)).toEqual(await normal.read("r_short", box));
    await Promise.all([source.close(), normal.close()]);
  });
});

describe("files made by netCDF4-python", () => {
  it("classic and 64-bit offset files with several record variables of every width", async () => {
    await (await expectSameAsPython("python-classic.nc", "cdf1")).close();
    await (await expectSameAsPython("python-64bit-offset.nc", "cdf2")).close();
  });

  it("NETCDF4: zlib, chunks, packed int16, big-endian, unsigned and 64-bit types; strings and groups skipped, dimension-only scales not variables", async () => {
    const source = await expectSameAsPython("python.nc4", "netcdf4");
    expect(source.skipped).toEqual({
      names: expect.stringContaining("string"),
      chars: expect.stringContaining("string"),
      extra: "a sub-group: only the root group's variables are read",
    });
    expect(source.variables.nv).toBeUndefined();
    expect(source.dimensions.nv).toBe(2);
    expect(source.variables.temp!.attributes).toMatchObject({ _FillValue: -32767, missing_value: -32766, units: "K" });
    expect(source.variables.big!.attributes.offset).toBe(2n ** 60n + 1n);
    await source.close();
  });

  it("NETCDF4 written by ncgen (the same CDL as the classic files)", async () => {
    await (await expectSameAsPython("all-types-ncgen.nc4", "netcdf4")).close();
  });

  it("an HDF5 file with a 512-byte user block", async () => {
    const source = await openNetcdf(files["userblock.nc4"]!);
    const plain = await openNetcdf(files["python.nc4"]!);
    expect(source.kind).toBe("netcdf4");
    const box = [[2, 9], [1, 6], [0, 9]] as const;
    expect(await source.read("temp", box)).toEqual(await plain.read("temp", box));
    await Promise.all([source.close(), plain.close()]);
  });
});

describe("netcdf(paths)", () => {
  it("makes relative paths absolute file:// URLs on the caller's side, and keeps URLs", () => {
    const specs = netcdf(["data/a.nc", "/abs/b.nc", new URL("file:///c.nc"), "s3://bucket/d.nc", "https://example.org/e.nc"]);
    expect(specs).toEqual([
      { url: pathToFileURL(join(process.cwd(), "data/a.nc")).href, format: "netcdf" },
      { url: "file:///abs/b.nc", format: "netcdf" },
      { url: "file:///c.nc", format: "netcdf" },
      { url: "s3://bucket/d.nc", format: "netcdf" },
      { url: "https://example.org/e.nc", format: "netcdf" },
    ]);
    expect(netcdf("x.nc")).toEqual([{ url: pathToFileURL(join(process.cwd(), "x.nc")).href, format: "netcdf" }]);
  });

  it("a spec opens through the registered format", async () => {
    const { openSource } = await import("@parazarr/core");
    copyFileSync(files["all-types.nc3"]!, join(dir, "copy.nc"));
    const [spec] = netcdf(join(dir, "copy.nc"));
    const source = await openSource(spec!);
    expect(source.kind).toBe("cdf1");
    await source.close();
  });
});
