/**
 * The demo's NetCDF writer (examples/make-netcdf.mjs, Node.js and h5wasm only)
 * writes files netCDF-C and netCDF4-python read as proper NetCDF-4: dimensions
 * (bnds a dimension, not a variable), coordinate variables, NC_CHAR text
 * attributes, packed sst, CF time with two epochs — and xarray combines them.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { compareWithMfdataset, writeReferenceZarr } from "./fixtures/compare-mfdataset.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";

const MAKE_NETCDF = fileURLToPath(new URL("../examples/make-netcdf.mjs", import.meta.url));

const run = promisify(execFile);
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const PYTHON_READ = `
import json, sys, netCDF4
out = []
for path in sys.argv[1:]:
    with netCDF4.Dataset(path) as d:
        t = d["time"]
        out.append({
            "model": d.data_model,
            "dims": {k: [len(v), v.isunlimited()] for k, v in d.dimensions.items()},
            "vars": {k: [list(v.dimensions), str(v.dtype)] for k, v in d.variables.items()},
            "coords": [k for k in d.variables if d[k].dimensions == (k,)],
            "times": [str(x) for x in netCDF4.num2date(t[:], t.units, t.calendar)],
            "units": t.units,
            "sst": {a: (d["sst"].getncattr(a).item() if hasattr(d["sst"].getncattr(a), "item") else d["sst"].getncattr(a)) for a in d["sst"].ncattrs()},
            "sst_masked": int(d["sst"][:].mask.sum()),
            "title": d.title,
        })
print(json.dumps(out))
`;

describe("examples/make-netcdf.mjs", () => {
  it("writes NetCDF-4 files that ncdump and netCDF4-python read with dimensions, coordinates, attributes and CF time", async () => {
    // as the README runs it
    const { stdout } = await run(process.execPath, [MAKE_NETCDF, dirs.temp("demo-nc"), "--files", "2", "--days", "3", "--nlat", "9", "--nlon", "18"]);
    const files = stdout.trim().split("\n");
    expect(files).toHaveLength(2);

    const kinds = await Promise.all(files.map(async (f) => (await run("ncdump", ["-k", f])).stdout.trim()));
    expect(kinds).toEqual(["netCDF-4", "netCDF-4"]);
    const header = (await run("ncdump", ["-h", files[1]!])).stdout;
    expect(header).toContain("time = UNLIMITED ; // (3 currently)");
    expect(header).toContain('t2m:units = "K" ;'); // NC_CHAR: a variable-length string would read `string t2m:units`
    expect(header).not.toMatch(/\bstring\b/);
    expect(header).not.toMatch(/\sbnds\(bnds\)/); // a dimension without a coordinate variable

    const [first, second] = JSON.parse((await run("/usr/bin/python3", ["-c", PYTHON_READ, ...files])).stdout);
    expect(first).toMatchObject({
      model: "NETCDF4",
      dims: { time: [3, true], lat: [9, false], lon: [18, false], bnds: [2, false] },
      vars: { time: [["time"], "float64"], t2m: [["time", "lat", "lon"], "float32"], sst: [["time", "lat", "lon"], "int16"], land_mask: [["lat", "lon"], "int8"], lat_bnds: [["lat", "bnds"], "float64"] },
      coords: ["time", "lat", "lon"],
      times: ["2020-01-01 00:00:00", "2020-01-02 00:00:00", "2020-01-03 00:00:00"],
      units: "days since 2020-01-01",
      sst: { _FillValue: -32767, missing_value: -32767, scale_factor: 0.001, add_offset: 290, units: "K" },
      title: "parazarr demo collection",
    });
    expect(first.sst_masked).toBeGreaterThan(0); // land is missing
    expect(second).toMatchObject({ units: "hours since 1990-01-01 00:00:00", vars: { time: [["time"], "int32"] }, times: ["2020-01-04 00:00:00", "2020-01-05 00:00:00", "2020-01-06 00:00:00"] });

    // xarray combines the two epochs into one time axis, and the harness the conversion is judged by reads them
    const archive = join(dirs.temp("demo-zarr"), "demo.zarr");
    await writeReferenceZarr(archive, files, { chunks: { time: 4 } });
    const report = await compareWithMfdataset(archive, files);
    expect(report.differences).toEqual([]);
    expect(report.checked.elements).toBeGreaterThan(2 * 6 * 9 * 18);
  });
});
