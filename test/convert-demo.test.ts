/**
 * The README's first command runs examples/convert.mjs: it must work as a
 * newcomer runs it (no arguments: the demo collection in a temp dir), and on
 * the user's own files (sources first, archive last), where a second run
 * finds every task done. The archive it leaves is what open_mfdataset says.
 */
import { execFile } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";

const DEMO = fileURLToPath(new URL("../examples/convert.mjs", import.meta.url));
const CLI_DEMO = fileURLToPath(new URL("../examples/cli-demo.mjs", import.meta.url));
const run = promisify(execFile);
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

describe("examples/cli-demo.mjs (npm run demo, the README's first command)", () => {
  it("writes a collection, converts it with parazarr on one core and on threads, validates, resumes and prints the speed-up", async () => {
    const { stdout } = await run(process.execPath, [CLI_DEMO, "--files", "6"], { timeout: 240_000 });
    const dir = /NetCDF-4 files \(10 days each, 361 × 720\) under (\S+?)…/.exec(stdout)?.[1];
    expect(dir).toBeDefined();
    try {
      expect(stdout.match(/^ {2}12 tasks, 48 chunks, [\d.]+ MB in [\d.]+ s$/gm)).toHaveLength(2);
      expect(stdout).toMatch(/threads\.zarr: valid/);
      expect(stdout).toMatch(/tasks +0 written, 12 skipped \(done before\), 0 failed, 12 in all/);
      expect(stdout).toMatch(/^speed-up of threads over sequential: \d+\.\d\d×$/m);
      expect((await compareWithMfdataset(join(dir!, "threads.zarr"), readdirSync(join(dir!, "nc")).sort().map((f) => join(dir!, "nc", f)))).differences).toEqual([]);
    } finally {
      rmSync(dir!, { recursive: true, force: true });
    }
  }, 300_000);
});

describe("examples/convert.mjs (the same job from a script)", () => {
  it("with no arguments: writes the demo collection, converts it, reads a time series back", async () => {
    const { stdout } = await run(process.execPath, [DEMO], { timeout: 120_000 });
    const archive = /converted 12 files into (\S+) in/.exec(stdout)?.[1];
    expect(archive).toBeDefined();
    try {
      expect(stdout).toMatch(/tasks: \{ total: 30, written: 30, skipped: 0, failed: 0 \}/);
      expect(stdout).toMatch(/t2m \(K\) at lat index 45, lon index 90, first 5 of 120 days: (\d+\.\d\d ){4}\d+\.\d\d/);
    } finally {
      rmSync(join(archive!, ".."), { recursive: true, force: true });
    }
  }, 150_000);

  it("on your own files: the archive equals open_mfdataset, and a second run writes nothing", async () => {
    const dir = dirs.temp("demo-own");
    const files = (await makeCollection(join(dir, "nc"), { files: 3, period: { days: 5 }, nlat: 91, nlon: 181 })).map((f) => f.path);
    const archive = join(dir, "out.zarr");
    await run(process.execPath, [DEMO, ...files, archive], { timeout: 120_000 });
    expect((await compareWithMfdataset(archive, files)).differences).toEqual([]);
    const again = await run(process.execPath, [DEMO, ...files, archive], { timeout: 120_000 });
    expect(again.stdout).toMatch(/written: 0, skipped: \d+, failed: 0/);
  }, 150_000);
});
