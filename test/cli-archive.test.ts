/**
 * The commands around a conversion, run as a user runs them: status,
 * validate and info (text and --json), a corrupted chunk found by validate
 * (exit 3), zarrify's create-template + independent write-region writers,
 * options from a --config file, and secrets that never reach the output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { ndjson, parazarr } from "./fixtures/cli.js";

type ArchiveJson = {
  zarrFormat: number;
  arrays: Array<{ path: string; dimensions: string[]; codecs: Array<{ name: string; configuration: Record<string, unknown> }> }>;
  time: unknown;
};

const dirs = tempDirs();
let files: CollectionFile[];
let nc: string;
let work: string;
const archive = () => join(work, "era.zarr");

beforeAll(async () => {
  nc = dirs.temp("cli-archive-nc");
  files = await makeCollection(nc, { files: 4, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_64BIT_OFFSET"], missingFraction: 0.05 });
  work = dirs.temp("cli-archive");
  const { code, stderr } = await parazarr(["convert", join(nc, "*.nc"), "era.zarr", "--plan", "threads:2", "--chunks", "time=5", "--quiet"], { cwd: work });
  expect(stderr).toBe("");
  expect(code).toBe(0);
}, 120_000);
afterAll(() => dirs.removeAll());

describe("status, validate and info of a finished conversion", () => {
  it("status --json is one JSON document: every unit and input done", async () => {
    const { code, stdout, stderr } = await parazarr(["status", "era.zarr", "--json"], { cwd: work });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { archive: string; manifest: boolean; overall: Record<string, unknown>; variables: Array<{ variable: string; done: number }> };
    expect(report.archive).toBe(pathToFileURL(archive()).href);
    expect(report.manifest).toBe(true);
    expect(report.overall).toMatchObject({ units: 8, done: 8, missing: 0, failed: 0, inputs: { done: 4, partial: 0, missing: 0, failed: 0 } });
    expect(report.variables.map((v) => [v.variable, v.done]).sort()).toEqual([["sst", 4], ["t2m", 4]]);
  });

  it("status in text says complete, per variable", async () => {
    const { code, stdout } = await parazarr(["status", "era.zarr"], { cwd: work });
    expect(code).toBe(0);
    expect(stdout).toMatch(/era\.zarr: complete/);
    expect(stdout).toMatch(/tasks +8 done, 0 missing, 0 failed, 8 in all/);
    expect(stdout).toMatch(/t2m +4\/4 done/);
  });

  it("validate --json: ok, every recorded chunk checked; exit 0", async () => {
    const { code, stdout } = await parazarr(["validate", "era.zarr", "--json", "--plan", "threads:2"], { cwd: work });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { ok: boolean; problems: unknown[]; checked: { chunks: number; timeSteps: number } };
    expect(report).toMatchObject({ ok: true, problems: [], checked: { chunks: 8, timeSteps: 20 } });
  });

  it("validate --deep re-reads every unit from the NetCDF files", async () => {
    const { code, stdout } = await parazarr(["validate", "era.zarr", "--deep", "--json", "--plan", "processes:2"], { cwd: work });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, checked: { deepUnits: 8 } });
  });

  it("info --json: arrays with shapes, chunks, codecs, dtypes and dimensions, the decoded time range and the size on disk", async () => {
    const { code, stdout } = await parazarr(["info", "era.zarr", "--json"], { cwd: work });
    expect(code).toBe(0);
    const info = JSON.parse(stdout) as {
      zarrFormat: number;
      dimensions: Record<string, number>;
      arrays: Array<{ path: string; dtype: string; shape: number[]; chunks: number[]; dimensions: string[]; codecs: Array<{ name: string }> }>;
      time: unknown;
      sizeOnDisk: number;
      attributes: Record<string, unknown>;
    };
    expect(info.zarrFormat).toBe(2);
    expect(info.dimensions).toMatchObject({ time: 20, lat: 10, lon: 12 });
    const t2m = info.arrays.find((a) => a.path === "t2m")!;
    expect(t2m).toMatchObject({ dtype: "float32", shape: [20, 10, 12], chunks: [5, 10, 12], dimensions: ["time", "lat", "lon"] });
    // convert's default codec: blosc lz4 with byte shuffle, as zarr-python and xarray write.
    expect(t2m.codecs.map((c) => c.name)).toContain("numcodecs.blosc");
    expect(info.arrays.find((a) => a.path === "sst")!.dtype).toBe("int16");
    expect(info.time).toEqual({ variable: "time", units: "days since 2020-01-01", calendar: "standard", steps: 20, first: "2020-01-01T00:00:00", last: "2020-01-20T00:00:00" });
    expect(info.sizeOnDisk).toBeGreaterThan(0);
    expect(info.attributes.Conventions).toBe("CF-1.8");
    expect(info.arrays.map((a) => a.path)).not.toContain(".parazarr");
  });

  it("info in text reads like ncdump -h", async () => {
    const { code, stdout } = await parazarr(["info", "era.zarr"], { cwd: work });
    expect(code).toBe(0);
    expect(stdout).toContain("  time = 20 ;");
    expect(stdout).toContain("  float32 t2m(time, lat, lon) ;");
    expect(stdout).toMatch(/shape 20×10×12, chunks 5×10×12, codecs bytes\(endian=little\) \| numcodecs\.blosc\(.*cname=lz4.*\)/);
    expect(stdout).toContain("// time: 2020-01-01T00:00:00 .. 2020-01-20T00:00:00 (20 steps, days since 2020-01-01, standard calendar)");
  });

  it("info of a Zarr v3 archive with blosc: dimension_names and the blosc configuration", async () => {
    const cwd = dirs.temp("cli-v3");
    const made = await parazarr(["convert", join(nc, "*.nc"), "v3.zarr", "--zarr-format", "3", "--codec", "blosc:zstd:3:shuffle", "--plan", "threads:2", "--quiet"], { cwd });
    expect(made.code).toBe(0);
    const info = JSON.parse((await parazarr(["info", "v3.zarr", "--json"], { cwd })).stdout) as ArchiveJson;
    expect(info.zarrFormat).toBe(3);
    const sst = info.arrays.find((a) => a.path === "sst")!;
    expect(sst.dimensions).toEqual(["time", "lat", "lon"]);
    expect(sst.codecs.at(-1)).toMatchObject({ name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 2 } });
    expect(info.time).toMatchObject({ steps: 20, first: "2020-01-01T00:00:00", last: "2020-01-20T00:00:00" });
  });

  it("info of a folder that is no Zarr archive is one error line, exit 2", async () => {
    const { code, stderr } = await parazarr(["info", nc], { cwd: work });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^parazarr: error: info: file:\/\/.* is not a Zarr archive/);
  });
});

describe("validate on a corrupted chunk", () => {
  it("exits 3 and names the chunk", async () => {
    const cwd = dirs.temp("cli-corrupt");
    const convert = await parazarr(["convert", join(nc, "*.nc"), "bad.zarr", "--plan", "threads:2", "--chunks", "time=5", "--quiet"], { cwd });
    expect(convert.code).toBe(0);
    const chunk = join(cwd, "bad.zarr", "t2m", "1.0.0");
    const bytes = readFileSync(chunk);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(chunk, bytes);

    const text = await parazarr(["validate", "bad.zarr", "--plan", "threads:2"], { cwd });
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/bad\.zarr: 1 problems/);
    expect(text.stdout).toMatch(/checksum-mismatch +\/?t2m\/1\.0\.0/);

    const json = await parazarr(["validate", "bad.zarr", "--json", "--plan", "threads:2"], { cwd });
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: Array<{ kind: string; chunk: string }> };
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "checksum-mismatch", chunk: expect.stringContaining("t2m/1.0.0") })]);
  });
});

describe("create-template, then independent write-region writers (zarrify's way)", () => {
  it("four writers in four processes fill the template: xarray reads what open_mfdataset reads, and validate passes", async () => {
    const cwd = dirs.temp("cli-independent");
    const template = await parazarr(
      ["create-template", files[0]!.path, "ind.zarr", "--global-start", "2020-01-01", "--global-end", "2020-01-20", "--freq", "1D", "--chunks", "time=5", "--plan", "threads:1"],
      { cwd },
    );
    expect(template.code).toBe(0);
    expect(template.stdout).toMatch(/created the template: file:\/\/.*ind\.zarr \(zarr v2\)/);
    expect(template.stdout).toMatch(/time +2020-01-01T00:00:00 \.\. 2020-01-20T00:00:00 \(20 steps\)/);

    const writers = await Promise.all(files.map((f) => parazarr(["write-region", f.path, "ind.zarr", "--plan", "threads:1", "--json"], { cwd })));
    for (const w of writers) {
      expect(w.stderr).toBe("");
      expect(w.code).toBe(0);
      expect(ndjson(w.stdout).at(-1)).toMatchObject({ event: "summary", ok: true, tasks: { written: 2, failed: 0 } });
    }
    const report = await compareWithMfdataset(join(cwd, "ind.zarr"), files.map((f) => f.path));
    expect(report.differences).toEqual([]);
    const validate = await parazarr(["validate", "ind.zarr", "--json", "--plan", "threads:1"], { cwd });
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, checked: { records: 8, chunks: 8, timeSteps: 20 } });
  }, 120_000);

  it("a --region that does not match the file's times is refused before anything is written", async () => {
    const cwd = dirs.temp("cli-region");
    expect((await parazarr(["create-template", files[0]!.path, "r.zarr", "--global-start", "2020-01-01", "--global-end", "2020-01-20", "--chunks", "time=5", "--quiet"], { cwd })).code).toBe(0);
    const wrong = await parazarr(["write-region", files[1]!.path, "r.zarr", "--region", "time=0:5"], { cwd });
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/^parazarr: error: .*region/m);
    const malformed = await parazarr(["write-region", files[1]!.path, "r.zarr", "--region", "time=5"], { cwd });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--region: "time=5" is not DIM=START:STOP');
    expect(readdirSync(join(cwd, "r.zarr", "t2m")).filter((n) => /^\d/.test(n))).toEqual([]);
  }, 120_000);
});

describe("--config FILE", () => {
  it("reads the plan and template options from YAML; the command line wins", async () => {
    const cwd = dirs.temp("cli-config");
    writeFileSync(join(cwd, "parazarr.yaml"), "# a cluster's set-up, written once\nplan: threads:2\nchunks:\n  time: 10\ncodec: zstd:3\nretries: 1\n");
    const run = await parazarr(["convert", join(nc, "*.nc"), "cfg.zarr", "--config", "parazarr.yaml", "--codec", "gzip:2"], { cwd });
    expect(run.stderr).toContain("on threads(2)");
    expect(run.code).toBe(0);
    const info = JSON.parse((await parazarr(["info", "cfg.zarr", "--json"], { cwd })).stdout) as { arrays: Array<{ path: string; chunks: number[]; codecs: Array<{ name: string; configuration: unknown }> }> };
    const t2m = info.arrays.find((a) => a.path === "t2m")!;
    expect(t2m.chunks).toEqual([10, 10, 12]);
    expect(t2m.codecs.at(-1)).toEqual({ name: "numcodecs.gzip", configuration: { level: 2 } });
  }, 120_000);

  it("JSON works too; an unknown key is a usage error naming it and the file", async () => {
    const cwd = dirs.temp("cli-config");
    writeFileSync(join(cwd, "bad.json"), JSON.stringify({ plan: "threads:1", chunk: "time=5" }));
    const { code, stderr } = await parazarr(["convert", join(nc, "*.nc"), "x.zarr", "--config", "bad.json"], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('--config: bad.json sets an unknown option "chunk"');
  });
});

describe("secrets", () => {
  it("a password in the archive URL and a credential in the environment are never printed, even with --verbose", async () => {
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    const url = `https://reader:${canary}-url@127.0.0.1:9/archive.zarr`;
    const env = { AWS_SECRET_ACCESS_KEY: `${canary}-env`, AWS_ACCESS_KEY_ID: "AKIAEXAMPLE" };
    const runs = await Promise.all([
      parazarr(["convert", join(nc, "*.nc"), url, "--verbose", "--plan", "threads:1"], { env }),
      parazarr(["convert", join(nc, "*.nc"), url, "--json", "--plan", "threads:1"], { env }),
      parazarr(["status", url, "--verbose"], { env }),
      parazarr(["info", url, "--json"], { env }),
    ]);
    for (const run of runs) {
      expect(run.code).not.toBe(0);
      expect(run.stdout + run.stderr).not.toContain(canary);
    }
    // The URL itself is named, with its user info cut out.
    expect(runs[0]!.stderr).toContain("https://[redacted]@127.0.0.1:9/archive.zarr");
  }, 120_000);
});
