/**
 * `parazarr convert`, run as a user runs it: a subprocess with real
 * arguments on NetCDF files made by netCDF-C, its stdout, stderr and exit
 * code checked, and the archive it made opened by xarray.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { CONTROL, ndjson, parazarr } from "./fixtures/cli.js";

const dirs = tempDirs();
let nc: string;
let files: CollectionFile[];

beforeAll(async () => {
  nc = dirs.temp("cli-nc");
  files = await makeCollection(nc, {
    files: 6,
    period: { days: 5 },
    nlat: 19,
    nlon: 36,
    formats: ["NETCDF4", "NETCDF3_CLASSIC"],
    timeUnits: ["days since 2020-01-01", "hours since 1990-01-01 00:00:00"],
    zlib: 4,
    missingFraction: 0.05,
  });
}, 120_000);
afterAll(() => dirs.removeAll());

describe("parazarr convert", () => {
  it("converts a quoted glob on threads:2 into what xarray's open_mfdataset reads, and a rerun skips every task", async () => {
    const cwd = dirs.temp("cli-run");
    const first = await parazarr(["convert", join(nc, "*.nc"), "era.zarr", "--plan", "threads:2", "--chunks", "time=5"], { cwd });
    expect(first.stderr).not.toMatch(/error/i);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("converting 6 files into");
    expect(first.stderr).toContain("on threads(2)");
    expect(first.stdout).toMatch(/converted 6 files into file:\/\/.*era\.zarr/);
    expect(first.stdout).toMatch(/tasks +12 written, 0 skipped \(done before\), 0 failed, 12 in all/);
    expect(first.stdout).toMatch(/time +2020-01-01T00:00:00 \.\. 2020-01-30T00:00:00 \(30 steps\)/);
    expect(first.stdout).toMatch(/elapsed +\d+\.\d s, \d+\.\d MB\/s/);

    const report = await compareWithMfdataset(join(cwd, "era.zarr"), files.map((f) => f.path));
    expect(report.differences).toEqual([]);
    expect(report.equal).toBe(true);

    const again = await parazarr(["convert", join(nc, "*.nc"), "era.zarr", "--plan", "threads:2", "--chunks", "time=5"], { cwd });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/tasks +0 written, 12 skipped \(done before\), 0 failed, 12 in all/);
  }, 180_000);

  it("--json prints NDJSON events: start, progress, summary, and nothing else on stdout", async () => {
    const cwd = dirs.temp("cli-json");
    const { code, stdout, stderr } = await parazarr(["convert", ...files.map((f) => f.path), "out.zarr", "--json", "--plan", "threads:2", "--chunks", "time=10"], { cwd });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const events = ndjson(stdout);
    expect(events[0]).toEqual({ event: "start", command: "convert", archive: pathToFileURL(join(cwd, "out.zarr")).href, inputs: 6, plan: "threads(2)" });
    const progress = events.filter((e) => e.event === "progress");
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(["scan", "write"]));
    expect(progress.at(-1)).toMatchObject({ phase: "write", done: 6, total: 6, failed: 0, filesDone: 6, files: 6 });
    const summary = events.at(-1)!;
    expect(summary).toMatchObject({ event: "summary", ok: true, files: 6, tasks: { total: 6, written: 6, skipped: 0, failed: 0 }, timeSteps: 30 });
    expect(summary.chunksWritten).toBe(6);
    expect(typeof summary.throughputMBps).toBe("number");
  }, 120_000);

  it("reads inputs from --inputs-from (one a line, # comments skipped) on processes:2", async () => {
    const cwd = dirs.temp("cli-list");
    writeFileSync(join(cwd, "files.txt"), ["# the first half of January", ...files.slice(0, 3).map((f) => f.path), "", ""].join("\n"));
    const { code, stdout, stderr } = await parazarr(["convert", "--inputs-from", "files.txt", "half.zarr", "--plan", "processes:2", "--chunks", "time=5"], { cwd });
    expect(stderr).toContain("on processes(2)");
    expect(code).toBe(0);
    expect(stdout).toMatch(/converted 3 files/);
    expect(stdout).toMatch(/time +2020-01-01T00:00:00 \.\. 2020-01-15T00:00:00 \(15 steps\)/);
  }, 120_000);

  it("off a TTY, progress is plain lines on stderr and the output holds no control character", async () => {
    const cwd = dirs.temp("cli-log");
    // No --plan: the default is threads on every core.
    const { code, stdout, stderr } = await parazarr(["convert", join(nc, "*.nc"), "log.zarr"], { cwd, env: { TERM: "xterm-256color" } });
    expect(code).toBe(0);
    expect(stderr).toContain(`on threads(${availableParallelism()})`);
    expect(stderr).toMatch(/^parazarr: writing \d+\/\d+ tasks \(0 skipped, 0 failed\), files 6\/6, \d+ chunks, [\d.]+ MB, [\d.]+ MB\/s, [\d.]+ s$/m);
    expect(stderr).not.toMatch(CONTROL);
    expect(stdout).not.toMatch(CONTROL);
  }, 120_000);

  it("FORCE_COLOR colours the summary off a TTY; NO_COLOR beside it is overruled, as the convention says", async () => {
    const cwd = dirs.temp("cli-color");
    const { code, stdout } = await parazarr(["convert", join(nc, "*.nc"), "c.zarr", "--plan", "threads:2", "--quiet"], { cwd, env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    expect(code).toBe(0);
    expect(stdout).toContain("\u001b[32mconverted 6 files");
  }, 120_000);
});

describe("a task that fails after its retries", () => {
  it("exit 1; the summary lists the failed task with its file; status shows it; a rerun with the file mended finishes", async () => {
    const dir = dirs.temp("cli-fail-nc");
    const made = await makeCollection(dir, { files: 2, period: { days: 5 }, nlat: 19, nlon: 36, formats: ["NETCDF4"], zlib: 4 });
    const broken = made[0]!.path;
    const good = readFileSync(broken);
    // Spoil compressed data (not the metadata the scan reads): the file scans, one task cannot decode it.
    const bad = Buffer.from(good);
    bad.fill(0x55, Math.floor(bad.length * 0.8), Math.floor(bad.length * 0.8) + 300);
    writeFileSync(broken, bad);
    const cwd = dirs.temp("cli-fail");
    const args = ["convert", join(dir, "*.nc"), "f.zarr", "--plan", "threads:2", "--chunks", "time=5", "--retries", "1"];
    const failed = await parazarr(args, { cwd });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/with 1 failed tasks/);
    expect(failed.stdout).toMatch(/tasks +3 written, 0 skipped \(done before\), 1 failed, 4 in all/);
    expect(failed.stdout).toContain(`(file://${broken}): task "convertUnits" failed`);
    // A decode error is no transient one: it is not retried.
    expect(failed.stdout).toContain("attempt 1 of 2");
    expect(failed.stderr).toContain("parazarr: 1 tasks failed (listed above); run the same command again to retry them");

    const json = await parazarr([...args, "--json"], { cwd });
    expect(json.code).toBe(1);
    const events = ndjson(json.stdout);
    expect(events.filter((e) => e.event === "failure")).toEqual([expect.objectContaining({ files: [`file://${broken}`] })]);
    expect(events.at(-1)).toMatchObject({ event: "summary", ok: false, tasks: { failed: 1, skipped: 3 } });

    const status = JSON.parse((await parazarr(["status", "f.zarr", "--json"], { cwd })).stdout) as { overall: { failed: number }; failures: Array<{ sources: string[] }> };
    expect(status.overall.failed).toBe(1);
    expect(status.failures[0]!.sources).toEqual([`file://${broken}`]);

    writeFileSync(broken, good);
    const mended = await parazarr(args, { cwd });
    expect(mended.code).toBe(0);
    // The mended file changed (size, mtime): both of its tasks are redone, the other file's two are skipped.
    expect(mended.stdout).toMatch(/tasks +2 written, 2 skipped \(done before\), 0 failed, 4 in all/);
  }, 120_000);
});

describe("parazarr convert refuses bad input before anything is written (exit 2, naming it)", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["a malformed --chunks", ["--chunks", "time:5"], /--chunks: "time:5" is not a list of DIM=LENGTH/],
    ["an unknown codec", ["--codec", "lz9"], /--codec: "lz9" is not none, zstd/],
    ["a codec level out of range", ["--codec", "zstd:99"], /--codec: "zstd:99" is not valid: the zstd level must be a whole number from -7 to 22/],
    ["an unknown option", ["--chunk", "time=5"], /unknown option '--chunk'/],
    ["a target chunk size that is not a positive number", ["--target-chunk-mb", "0"], /--target-chunk-mb: "0" is not a number > 0/],
    ["a bad access pattern", ["--access-pattern", "diagonal"], /--access-pattern <PATTERN>' argument 'diagonal' is invalid/],
    ["a bad plan string", ["--plan", "threads:many"], /plan "threads:many": workers must be a whole number ≥ 1, got "many"/],
    ["an unknown plan argument", ["--plan", "processes:cores=2"], /unknown argument "cores"; known: workers/],
    ["a plan whose package is not installed", ["--plan", "pbs:queue=debug"], /the package @parazarr\/backend-pbs, which is not installed; install it with: npm install @parazarr\/backend-pbs/],
    ["a --global-start without --global-end", ["--global-start", "2020-01-01"], /--global-start and --global-end go together/],
  ];
  it.each(cases)("%s", async (_, extra, message) => {
    const cwd = dirs.temp("cli-usage");
    const { code, stdout, stderr } = await parazarr(["convert", join(nc, "*.nc"), "never.zarr", ...extra], { cwd });
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(existsSync(join(cwd, "never.zarr"))).toBe(false);
  });

  it("a glob that matches nothing, and a missing file, are named", async () => {
    const cwd = dirs.temp("cli-usage");
    const glob = await parazarr(["convert", join(nc, "*.nc4"), "never.zarr"], { cwd });
    expect(glob.code).toBe(2);
    expect(glob.stderr).toContain(`the glob "${join(nc, "*.nc4")}" matches no file`);
    const missing = await parazarr(["convert", join(nc, "nope.nc"), "never.zarr"], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`INPUT: ${join(nc, "nope.nc")} does not exist`);
    expect(existsSync(join(cwd, "never.zarr"))).toBe(false);
  });

  it("no archive after the inputs", async () => {
    const { code, stderr } = await parazarr(["convert", join(nc, "*.nc")]);
    expect(code).toBe(2);
    expect(stderr).toContain("convert: give INPUT... ARCHIVE");
  });
});

describe("parazarr --help and --version", () => {
  it("show examples and the exit codes", async () => {
    const help = await parazarr(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("parazarr convert 'data/*.nc' era5.zarr");
    expect(help.stdout).toMatch(/130 +interrupted/);
    const sub = await parazarr(["convert", "--help"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("--inputs-from <FILE>");
    expect(sub.stdout).toContain("--plan <PLAN>");
    const version = await parazarr(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: "0.1.0\n" });
  });
});
