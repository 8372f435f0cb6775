/**
 * The harness the conversion is judged by, judged first: the test collections
 * (test/fixtures/netcdf-collection.py, written through netCDF-C) look like real
 * archives, and compare-mfdataset.py says "equal" for what xarray itself makes
 * of them (`open_mfdataset(files).to_zarr`) and "not equal", naming the
 * difference, as soon as one value, one attribute or one time step differs.
 * A harness that cannot fail would pass any convert.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset, pokeArchive, writeReferenceZarr } from "./fixtures/compare-mfdataset.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const paths = (files: CollectionFile[]) => files.map((f) => f.path);

/** The first bytes say the format: "CDF\x01" classic, "CDF\x02" 64-bit offset, "\x89HDF" NetCDF-4. */
function magic(path: string): string {
  const fd = openSync(path, "r");
  const head = Buffer.alloc(4);
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  return head[0] === 0x89 ? head.subarray(1).toString("latin1") : `${head.subarray(0, 3).toString("latin1")}${head[3]}`;
}

describe("test collections", () => {
  it("mix NetCDF-4 and classic files, CF time with two epochs, and 5-day files", async () => {
    const files = await makeCollection(dirs.temp("collection"), { files: 4, period: { days: 5 } });

    expect(files.map((f) => magic(f.path))).toEqual(["HDF", "HDF", "CDF1", "CDF2"]);
    expect(files.map((f) => f.format)).toEqual(["NETCDF4", "NETCDF4_CLASSIC", "NETCDF3_CLASSIC", "NETCDF3_64BIT_OFFSET"]);
    expect(new Set(files.map((f) => f.timeUnits))).toEqual(new Set(["days since 2020-01-01", "hours since 1990-01-01 00:00:00"]));
    expect(files.map((f) => [f.first, f.last, f.steps])).toEqual([
      ["2020-01-01T00:00:00", "2020-01-05T00:00:00", 5],
      ["2020-01-06T00:00:00", "2020-01-10T00:00:00", 5],
      ["2020-01-11T00:00:00", "2020-01-15T00:00:00", 5],
      ["2020-01-16T00:00:00", "2020-01-20T00:00:00", 5],
    ]);
  });

  it("hold, as netCDF-C reads them, packed sst, NaN-filled t2m, a static land_mask and bounded coordinates", async () => {
    const [, , classic] = await makeCollection(dirs.temp("collection"), { files: 3 });

    const header = execFileSync("ncdump", ["-h", classic!.path], { encoding: "utf8" });

    for (const line of [
      "time = UNLIMITED ; // (5 currently)",
      "short sst(time, lat, lon) ;",
      "sst:_FillValue = -32767s ;",
      "sst:missing_value = -32767s ;",
      "sst:scale_factor = 0.001 ;",
      "sst:add_offset = 290. ;",
      "float t2m(time, lat, lon) ;",
      "t2m:_FillValue = NaNf ;",
      "byte land_mask(lat, lon) ;",
      "double lat_bnds(lat, bnds) ;",
      'lat:bounds = "lat_bnds" ;',
      'time:units = "days since 2020-01-01" ;',
      'time:calendar = "standard" ;',
      ':Conventions = "CF-1.8" ;',
    ]) {
      expect(header).toContain(line);
    }
  });

  it("are the same data however the steps are split into files", async () => {
    const daily = await makeCollection(dirs.temp("daily"), { files: 10, period: { days: 1 } });
    const fiveDay = await makeCollection(dirs.temp("five-day"), { files: 2, period: { days: 5 } });
    const archive = join(dirs.temp("daily-zarr"), "daily.zarr");
    await writeReferenceZarr(archive, paths(daily));

    const report = await compareWithMfdataset(archive, paths(fiveDay));
    expect(report.differences).toEqual([]);
  });
});

describe("compare-mfdataset", () => {
  async function collectionAndReference(options: Parameters<typeof makeCollection>[1] = {}) {
    const files = paths(await makeCollection(dirs.temp("inputs"), { files: 4, ...options }));
    const archive = join(dirs.temp("archive"), "reference.zarr");
    await writeReferenceZarr(archive, files, { chunks: { time: 8 } });
    return { files, archive };
  }

  it("says equal for xarray's own open_mfdataset(...).to_zarr", async () => {
    const { files, archive } = await collectionAndReference();

    const report = await compareWithMfdataset(archive, files);

    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
    // t2m, sst, land_mask, time, lat, lon and both bounds, in both views
    expect(report.checked.variables).toBe(16);
    expect(report.checked.elements).toBeGreaterThan(2 * 2 * 20 * 12 * 24);
  });

  it("says equal when the files are combined nested along time (in the order given) and the steps are 6-hourly", async () => {
    const files = paths(await makeCollection(dirs.temp("inputs"), { files: 3, stepHours: 6, period: { days: 2 } }));
    const archive = join(dirs.temp("archive"), "nested.zarr");
    await writeReferenceZarr(archive, files, { combine: "nested", chunks: { time: 8 } });

    const report = await compareWithMfdataset(archive, files, { combine: "nested" });

    expect(report.differences).toEqual([]);
    expect(report.checked.elements).toBeGreaterThan(2 * 2 * 24 * 12 * 24);
  });

  it.each(["noleap", "360_day", "all_leap", "julian"] as const)("says equal on the %s calendar, with monthly files", async (calendar) => {
    const { files, archive } = await collectionAndReference({ calendar, period: "month", files: 3, start: "2019-12-01" });

    expect((await compareWithMfdataset(archive, files)).differences).toEqual([]);
  });

  it("names one changed packed value, in both views, with its index", async () => {
    const { files, archive } = await collectionAndReference();
    await pokeArchive(archive, { variable: "sst", index: [7, 5, 3], value: 1234 });

    const report = await compareWithMfdataset(archive, files);

    expect(report.equal).toBe(false);
    expect(report.differences.map((d) => [d.view, d.variable, d.kind, d.index, d.count])).toEqual([
      ["decoded", "sst", "values", [7, 5, 3], 1],
      ["raw", "sst", "values", [7, 5, 3], 1],
    ]);
    expect(report.differences[1]).toMatchObject({ archive: 1234 });
    expect(report.differences[1]?.message).toMatch(/sst differs at 1 element\(s\), first at index \[7, 5, 3\]: archive 1234/);
  });

  it("names a float value changed into a missing one (NaN)", async () => {
    const { files, archive } = await collectionAndReference({ missingFraction: 0 });
    await pokeArchive(archive, { variable: "t2m", index: [0, 0, 0], value: Number.NaN });

    const report = await compareWithMfdataset(archive, files);

    expect(report.differences).toContainEqual(expect.objectContaining({ view: "decoded", variable: "t2m", kind: "values", index: [0, 0, 0], archive: "NaN" }));
  });

  it("names a changed attribute, of a variable or of the dataset", async () => {
    const { files, archive } = await collectionAndReference();
    await pokeArchive(archive, { variable: "sst", attribute: "scale_factor", value: 0.002 });

    const report = await compareWithMfdataset(archive, files);

    // decoded: the values change with the scale; raw: the attribute itself differs
    expect(report.differences).toContainEqual(expect.objectContaining({ view: "raw", variable: "sst", kind: "attribute", attribute: "scale_factor", archive: 0.002, expected: 0.001 }));
    expect(report.differences).toContainEqual(expect.objectContaining({ view: "decoded", variable: "sst", kind: "values" }));

    await pokeArchive(archive, { variable: "global", attribute: "title", value: "another title" });
    expect((await compareWithMfdataset(archive, files)).differences).toContainEqual(
      expect.objectContaining({ view: "decoded", variable: "global", kind: "attribute", attribute: "title", archive: "another title", expected: "parazarr test collection" }),
    );
  });

  it("names consolidated metadata that no longer says what the arrays say", async () => {
    const { files, archive } = await collectionAndReference();
    await pokeArchive(archive, { variable: "t2m", attribute: "units", value: "degC", consolidate: false });

    const report = await compareWithMfdataset(archive, files);

    // xarray reads .zmetadata, so the decoded and raw views still see "K": only the metadata view can tell
    expect(report.differences).toEqual([expect.objectContaining({ view: "metadata", variable: "t2m", kind: "consolidated", attribute: "t2m/.zattrs" })]);
  });

  it("names a time step missing from the archive", async () => {
    const files = paths(await makeCollection(dirs.temp("full"), { files: 4 }));
    const gapped = paths(await makeCollection(dirs.temp("gapped"), { files: 4, bad: { gap: 7 } }));
    const archive = join(dirs.temp("archive"), "gapped.zarr");
    await writeReferenceZarr(archive, gapped);

    const report = await compareWithMfdataset(archive, files);

    expect(report.equal).toBe(false);
    expect(report.differences).toContainEqual(expect.objectContaining({ view: "decoded", variable: "time", kind: "shape", archive: [["time"], [19]], expected: [["time"], [20]] }));
  });

  it("compares a sample of time steps when asked (the benchmark's check)", async () => {
    const { files, archive } = await collectionAndReference();
    await pokeArchive(archive, { variable: "t2m", index: [15, 0, 0], value: 1 });

    expect((await compareWithMfdataset(archive, files, { timeSlice: [0, 8] })).equal).toBe(true);
    expect((await compareWithMfdataset(archive, files, { timeSlice: [8, 16] })).differences).toContainEqual(
      expect.objectContaining({ view: "decoded", variable: "t2m", index: [15, 0, 0] }),
    );
  });
});

describe("bad test collections are bad the way xarray sees them", () => {
  const reference = async (bad: NonNullable<Parameters<typeof makeCollection>[1]>["bad"]) => {
    const files = paths(await makeCollection(dirs.temp("bad"), { files: 4, bad }));
    return writeReferenceZarr(join(dirs.temp("bad-zarr"), "bad.zarr"), files);
  };

  it("a duplicate time step at a file boundary: open_mfdataset takes it silently (pandas' monotonic is not strict), so convert must refuse it itself", async () => {
    const files = paths(await makeCollection(dirs.temp("clean"), { files: 4 }));
    const duplicated = paths(await makeCollection(dirs.temp("duplicated"), { files: 4, bad: { duplicateTime: 2 } }));
    const archive = join(dirs.temp("archive"), "duplicated.zarr");
    await writeReferenceZarr(archive, duplicated);

    const report = await compareWithMfdataset(archive, files);

    expect(report.differences).toContainEqual(expect.objectContaining({ view: "decoded", variable: "time", kind: "shape", archive: [["time"], [21]], expected: [["time"], [20]] }));
  });

  it("unsorted times in one file: open_mfdataset finds no monotonic time index", async () => {
    await expect(reference({ unsorted: 1 })).rejects.toThrow(/monoton/);
  });

  it("a file on a shifted grid: open_mfdataset's exact join refuses it (by_coords then sees lat as a second concatenation axis)", async () => {
    await expect(reference({ shiftedLat: 1 })).rejects.toThrow(/cannot align objects with join='exact'/);
  });

  it("a file packed differently: raw sst differs from its first step on, decoded only by rounding", async () => {
    const files = paths(await makeCollection(dirs.temp("packed"), { files: 4 }));
    const repacked = paths(await makeCollection(dirs.temp("repacked"), { files: 4, bad: { repack: 3 } }));
    const archive = join(dirs.temp("archive"), "packed.zarr");
    await writeReferenceZarr(archive, files);

    const report = await compareWithMfdataset(archive, repacked);

    const raw = report.differences.find((d) => d.view === "raw" && d.variable === "sst" && d.kind === "values");
    expect(raw?.index?.[0]).toBe(15); // file 3 starts at step 15 (5-day files)
    expect(report.differences.filter((d) => d.kind !== "values")).toEqual([]); // the reference keeps the first file's packing attributes
  });
});
