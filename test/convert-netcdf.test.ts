/**
 * The job users come for, as they would run it: NetCDF files made by
 * netCDF-C as real archives look (NETCDF4 zlib and classic formats mixed,
 * CF time in other epochs per file, a float variable with NaN fill and a
 * packed int16 with _FillValue and missing values, a static variable,
 * bounds, 5-day files against 8-step chunks) converted into one Zarr
 * archive, which xarray must open as it opens `open_mfdataset(files)`:
 * decoded values, coordinates, CF time and attributes, and the packed
 * integers bit-exact. On sequential(), threads(2), processes(2) and ssh
 * (two loopback sshd hosts), each checked to have run on its workers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { chunkKey, convert, open, openStore, read, sequential, status, validate, withPlan, writeRegion, type Plan } from "@parazarr/core";
import { readTaskRecords, writeTaskRecord } from "../packages/core/dist/convert/ledger.js";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { netcdf } from "@parazarr/netcdf";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { ssh } from "@parazarr/backend-ssh";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { expectRanOn, observed, type ObservedPlan } from "./fixtures/observed-plan.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { sshOptions, startSshServers, type SshServers } from "../packages/backend-ssh/test/fixtures/servers.js";

const dirs = tempDirs();
let files: CollectionFile[];
let paths: string[];
let servers: SshServers;

beforeAll(async () => {
  servers = await startSshServers(2);
  files = await makeCollection(dirs.temp("nc"), {
    files: 6,
    period: { days: 5 },
    nlat: 19,
    nlon: 36,
    formats: ["NETCDF4", "NETCDF3_CLASSIC", "NETCDF4_CLASSIC", "NETCDF3_64BIT_OFFSET"],
    timeUnits: ["days since 2020-01-01", "hours since 1990-01-01 00:00:00"],
    zlib: 4,
    missingFraction: 0.05,
  });
  paths = files.map((f) => f.path);
}, 120_000);
afterAll(async () => {
  await servers?.stop();
  dirs.removeAll();
});

const plans: Array<[string, () => Plan, RegExp | undefined]> = [
  ["sequential()", () => sequential(), undefined],
  ["threads(2)", () => threads(2), /^thread \d+$/],
  ["processes(2)", () => processes(2), /^pid \d+$/],
  ["ssh (2 loopback hosts)", () => ssh(sshOptions(servers, { workersPerHost: 1 })), /./],
];

describe.each(plans)("convert NetCDF on %s", (_, makePlan, worker) => {
  let watched: ObservedPlan;
  beforeAll(() => {
    watched = observed(makePlan());
  });
  afterAll(async () => watched.plan.close());

  it("gives an archive that xarray opens as open_mfdataset(files), decoded and raw; status and validate agree it is complete", async () => {
    const archive = join(dirs.temp("zarr"), "archive.zarr");
    const summary = await withPlan(watched.plan, () => convert(netcdf(paths), archive, { chunks: { time: 8 } }));
    if (worker !== undefined) {
      expectRanOn(watched, "scanSources", worker);
      expectRanOn(watched, "convertUnits", worker);
    }
    expect(summary.timeSteps).toBe(30);
    expect(summary.tasks.failed).toBe(0);
    const report = await compareWithMfdataset(archive, paths);
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
    expect(report.checked.variables).toBeGreaterThanOrEqual(6);

    const state = await status(archive);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    const checked = await withPlan(watched.plan, () => validate(archive));
    expect(checked.problems).toEqual([]);
    expect(checked.ok).toBe(true);
  }, 180_000);
});

describe("the archive in other readers", () => {
  it("netCDF-C's ncdump reads its dimensions, variables, CF time and attributes (Zarr v2)", async () => {
    const archive = join(dirs.temp("ncdump"), "archive.zarr");
    await convert(netcdf(paths), archive, { chunks: { time: 8 }, codec: "none" });
    const { stdout } = await promisify(execFile)("ncdump", ["-h", `file://${archive}#mode=zarr,file`]);
    expect(stdout).toMatch(/time = 30 ;/);
    expect(stdout).toMatch(/lat = 19 ;/);
    expect(stdout).toMatch(/float t2m\(time, lat, lon\)/);
    expect(stdout).toMatch(/short sst\(time, lat, lon\)/);
    expect(stdout).toMatch(/sst:scale_factor = /);
    expect(stdout).toMatch(/time:units = "days since 2020-01-01"/);
    expect(stdout).toMatch(/time:calendar = "standard"/);
    expect(stdout).toMatch(/:Conventions = "CF-/);
    // The ledger under /.parazarr is not taken for a group.
    expect(stdout).not.toMatch(/group:/);
    // Uncompressed, so netCDF-C (built without filter plugins) reads the values too.
    const values = await promisify(execFile)("ncdump", ["-v", "time", `file://${archive}#mode=zarr,file`]);
    expect(values.stdout.replace(/\s+/g, " ")).toContain("time = 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,");
  }, 120_000);

  it("zarr-python opens it (consolidated) and reads every array as parazarr does", async () => {
    const archive = join(dirs.temp("zarr-python"), "archive.zarr");
    await convert(netcdf(paths), archive, { chunks: { time: 8 } });
    const script = [
      "import json, sys, zarr, numpy as np",
      "g = zarr.open_consolidated(sys.argv[1], mode='r')",
      "out = {}",
      "for name, a in sorted(g.arrays()):",
      "    v = a[...]",
      "    out[name] = {'shape': list(a.shape), 'chunks': list(a.chunks), 'dtype': str(a.dtype), 'sum': float(np.nansum(v.astype('f8'))), 'dims': a.attrs['_ARRAY_DIMENSIONS']}",
      "print(json.dumps(out))",
    ].join("\n");
    const { stdout } = await promisify(execFile)("/usr/bin/python3", ["-c", script, archive]);
    const seen = JSON.parse(stdout) as Record<string, { shape: number[]; chunks: number[]; dtype: string; sum: number; dims: string[] }>;
    expect(Object.keys(seen).sort()).toEqual(["land_mask", "lat", "lat_bnds", "lon", "lon_bnds", "sst", "t2m", "time"]);
    for (const [name, info] of Object.entries(seen)) {
      const array = await open(archive, name);
      expect(info.shape).toEqual(array.shape);
      expect(info.chunks).toEqual(array.chunks);
      expect(info.dims).toEqual(array.dimensionNames);
      const { data } = await read(array, null);
      let sum = 0;
      const numbers = data as ArrayLike<number>;
      for (let i = 0; i < numbers.length; i++) if (!Number.isNaN(numbers[i]!)) sum += Number(numbers[i]);
      expect(info.sum).toBeCloseTo(sum, 3);
    }
  }, 120_000);

  it("Zarr v3 holds the same values as v2", async () => {
    const dir = dirs.temp("v3");
    const v2 = join(dir, "v2.zarr");
    const v3 = join(dir, "v3.zarr");
    await convert(netcdf(paths), v2, { chunks: { time: 8 } });
    await convert(netcdf(paths), v3, { chunks: { time: 8 }, zarrFormat: 3 });
    for (const name of ["time", "lat", "lon", "lat_bnds", "t2m", "sst", "land_mask"]) {
      const a = await open(v2, name);
      const b = await open(v3, name);
      expect(b.zarrFormat).toBe(3);
      expect(b.dimensionNames).toEqual(a.dimensionNames);
      expect(b.attributes).toMatchObject(Object.fromEntries(Object.entries(a.attributes).filter(([k]) => k !== "_ARRAY_DIMENSIONS")));
      expect((await read(b, null)).data).toEqual((await read(a, null)).data);
    }
  }, 120_000);
});

describe.each(["noleap", "360_day", "all_leap", "proleptic_gregorian", "julian"] as const)("the %s calendar", (calendar) => {
  it("monthly files with other epochs land on one axis that xarray decodes as open_mfdataset does", async () => {
    const dir = dirs.temp(`cal-${calendar}`);
    const monthly = await makeCollection(join(dir, "nc"), {
      files: 4,
      period: "month",
      stepHours: 24,
      start: "2020-01-01",
      calendar,
      nlat: 5,
      nlon: 8,
      formats: ["NETCDF4", "NETCDF3_64BIT_OFFSET"],
      timeUnits: ["days since 2020-01-01", "hours since 1850-01-01 00:00:00", "seconds since 2000-01-01"],
    });
    const archive = join(dir, "archive.zarr");
    const summary = await convert(netcdf(monthly.map((f) => f.path)), archive, { chunks: { time: 7 } });
    expect(summary.timeSteps).toBe(monthly.reduce((n, f) => n + f.steps, 0));
    expect(summary.first).toBe(monthly[0]!.first);
    expect(summary.last).toBe(monthly.at(-1)!.last);
    const report = await compareWithMfdataset(archive, monthly.map((f) => f.path));
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);
  }, 120_000);
});

describe("validate", () => {
  it("names a corrupted chunk; deep re-reads units from their sources and names a chunk that matches its checksum but not its sources", async () => {
    const archive = join(dirs.temp("validate"), "archive.zarr");
    await convert(netcdf(paths), archive, { chunks: { time: 8 } });
    expect((await validate(archive, { deep: true })).problems).toEqual([]);

    // A flipped byte: the checksum says so.
    const t2m = await open(archive, "t2m");
    const key = chunkKey(t2m, [1, 0, 0]);
    const file = join(archive, key);
    const original = readFileSync(file);
    const flipped = Buffer.from(original);
    const middle = flipped.length >> 1;
    flipped[middle] = flipped[middle]! ^ 0xff;
    writeFileSync(file, flipped);
    const report = await validate(archive);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "checksum-mismatch", chunk: key })]);
    writeFileSync(file, original);

    // Wrong values stored with a matching record (a writer's bug): only the sources can tell.
    const receipt = await writeRegion(t2m, [[8, 16], null, null], new Float32Array(8 * 19 * 36).fill(250));
    const store = await openStore({ url: `file://${archive}` });
    const records = await readTaskRecords(store);
    const record = [...records.values()].find((r) => r.chunks.some((c) => c.key === key))!;
    await writeTaskRecord(store, { ...record, chunks: receipt.chunks });
    expect((await validate(archive)).problems).toEqual([]);
    const deep = await validate(archive, { deep: true });
    expect(deep.problems).toEqual([expect.objectContaining({ kind: "source-mismatch", chunk: key, variable: "t2m" })]);
    expect(deep.problems[0]!.message).toMatch(/differ from the sources/);
  }, 120_000);
});

describe("sources on a plan whose workers run elsewhere", () => {
  it("a local source path outside the plan's shared filesystem is refused before anything is written", async () => {
    const dir = dirs.temp("not-shared");
    const archive = join(dir, "archive.zarr");
    const remote = ssh(sshOptions(servers, { sharedFilesystem: [dir] }));
    try {
      const error = (await withPlan(remote, () => convert(netcdf(paths), archive, { chunks: { time: 8 } }).catch((e: unknown) => e))) as { _tag: string; message: string };
      expect(error._tag).toBe("StoreNotSharedError");
      expect(error.message).toContain(paths[0]!);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await remote.close();
    }
  });
});

