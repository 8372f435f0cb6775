/**
 * Ctrl-C during `parazarr convert`, as a user (or a batch system's SIGTERM)
 * gives it: the run stops through its signal with exit 130 and a line on
 * how to resume; the ledger holds exactly what finished, which the rerun
 * skips; the archive it ends with is what xarray's open_mfdataset reads.
 * Plus a glob over hundreds of files, expanded by the tool itself.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { ndjson, parazarr, startParazarr } from "./fixtures/cli.js";

const dirs = tempDirs();
let nc: string;
let files: CollectionFile[];

beforeAll(async () => {
  nc = dirs.temp("cli-int-nc");
  files = await makeCollection(nc, { files: 60, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
}, 180_000);
afterAll(() => dirs.removeAll());

/**
 * Starts a convert of every file into one-step chunks (600 tasks), sends
 * `signal` once the write phase begins and, with `again`, a second one once
 * the first is acknowledged (two signals sent at once arrive as one).
 */
async function interruptedConvert(cwd: string, signal: NodeJS.Signals, again = false) {
  let sent = 0;
  const run = startParazarr(["convert", join(nc, "*.nc"), "int.zarr", "--plan", "threads:1", "--chunks", "time=1", "--json"], {
    cwd,
    lines: (line) => {
      const event = JSON.parse(line) as { event: string; phase?: string };
      if (sent === 0 && event.event === "progress" && event.phase === "write") {
        sent = 1;
        run.child.kill(signal);
      }
    },
    stderr: (all) => {
      if (again && sent === 1 && all.includes(`${signal}: stopping`)) {
        sent = 2;
        run.child.kill(signal);
      }
    },
  });
  return run.done;
}

type Status = { overall: { units: number; done: number; missing: number; failed: number } };

describe("an interrupted convert", () => {
  it("SIGINT: exit 130, says how to resume; the rerun skips exactly what the ledger recorded and finishes the archive", async () => {
    const cwd = dirs.temp("cli-int");
    const stopped = await interruptedConvert(cwd, "SIGINT");
    expect(stopped.stderr).toContain("SIGINT: stopping; finished tasks stay recorded");
    expect(stopped.stderr).toContain("Run the same command again to resume.");
    expect(stopped.code).toBe(130);
    expect(ndjson(stopped.stdout).at(-1)).toMatchObject({ event: "interrupted" });

    const between = JSON.parse((await parazarr(["status", "int.zarr", "--json"], { cwd })).stdout) as Status;
    expect(between.overall.units).toBe(600);
    expect(between.overall.missing).toBeGreaterThan(0);
    expect(between.overall.failed).toBe(0);

    const rerun = await parazarr(["convert", join(nc, "*.nc"), "int.zarr", "--plan", "threads:2", "--chunks", "time=1", "--json"], { cwd });
    expect(rerun.code).toBe(0);
    const summary = ndjson(rerun.stdout).at(-1)!;
    expect(summary).toMatchObject({ event: "summary", ok: true, tasks: { total: 600, skipped: between.overall.done, written: 600 - between.overall.done, failed: 0 } });
    const report = await compareWithMfdataset(join(cwd, "int.zarr"), files.map((f) => f.path));
    expect(report.differences).toEqual([]);
  }, 240_000);

  it("SIGTERM does the same", async () => {
    const cwd = dirs.temp("cli-int");
    const stopped = await interruptedConvert(cwd, "SIGTERM");
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("SIGTERM: stopping");
  }, 240_000);

  it("a second SIGINT exits at once, still with no torn chunk: the rerun finishes and validate passes", async () => {
    const cwd = dirs.temp("cli-int");
    const stopped = await interruptedConvert(cwd, "SIGINT", true);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain("SIGINT again: exiting now; run the same command again to resume");
    const rerun = await parazarr(["convert", join(nc, "*.nc"), "int.zarr", "--plan", "threads:2", "--chunks", "time=1", "--quiet"], { cwd });
    expect(rerun.code).toBe(0);
    const validate = await parazarr(["validate", "int.zarr", "--plan", "threads:2", "--json"], { cwd });
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, problems: [] });
  }, 240_000);
});

describe("a glob over many files", () => {
  it("300 one-day files, expanded by parazarr, not the shell", async () => {
    const many = dirs.temp("cli-many");
    await makeCollection(many, { files: 300, period: { days: 1 }, stepHours: 24, nlat: 3, nlon: 4, formats: ["NETCDF3_CLASSIC"], variables: ["t2m"] });
    const cwd = dirs.temp("cli-many-run");
    const { code, stdout } = await parazarr(["convert", join(many, "*.nc"), "many.zarr", "--plan", "threads:2", "--chunks", "time=30", "--json"], { cwd });
    expect(code).toBe(0);
    const events = ndjson(stdout);
    expect(events[0]).toMatchObject({ event: "start", inputs: 300 });
    expect(events.at(-1)).toMatchObject({ event: "summary", ok: true, files: 300, timeSteps: 300, tasks: { total: 10, written: 10 } });
  }, 240_000);
});
