/**
 * Independent writers, zarrify's way: a template first, then one process per
 * source file, all at once, each finding its region from its coordinates and
 * claiming its chunks in the ledger before it writes. Disjoint aligned
 * regions all land (the archive equals open_mfdataset); a live writer's
 * claim refuses an overlapping one, naming it; a killed writer's claim is
 * taken over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTemplate, status, validate, writeFromSource } from "@parazarr/core";
import { netcdf } from "@parazarr/netcdf";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { rejection, snapshotStore, tempDirs } from "./fixtures/zarr-helpers.js";

const WRITER = fileURLToPath(new URL("./fixtures/write-region-child.mjs", import.meta.url));
const HOLDER = fileURLToPath(new URL("./fixtures/claim-holder.mjs", import.meta.url));
const dirs = tempDirs();
let files: CollectionFile[];
let paths: string[];

beforeAll(async () => {
  // 5-day files, 5-step chunks: each file covers whole chunks.
  files = await makeCollection(dirs.temp("nc"), { files: 5, period: { days: 5 }, nlat: 10, nlon: 20, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
  paths = files.map((f) => f.path);
}, 120_000);
afterAll(() => dirs.removeAll());

function run(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** A writer process that holds claims on chunks [first, last] of `variable` until it is killed. */
function holdClaims(archive: string, variable: string, first: number, last: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOLDER, `file://${archive}`, variable, String(first), String(last)], { stdio: ["ignore", "pipe", "inherit"] });
    child.stdout.on("data", (d) => String(d).includes("claimed") && resolve(child));
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`the claim holder exited with ${code}`)));
  });
}

async function template(name: string): Promise<string> {
  const archive = join(dirs.temp(name), "archive.zarr");
  await createTemplate(netcdf(paths[0]!)[0]!, archive, { inputs: netcdf(paths), chunks: { time: 5 } });
  return archive;
}

describe("independent writers", () => {
  it("one process per file, all at once: every region lands, and the archive equals open_mfdataset(files)", async () => {
    const archive = await template("all");
    const before = await status(archive);
    expect(before.inputs.map((i) => i.state)).toEqual(paths.map(() => "missing"));
    const results = await Promise.all(paths.map((p) => run(WRITER, [archive, p])));
    expect(results.map((r) => r.stderr)).toEqual(paths.map(() => ""));
    expect(results.map((r) => r.code)).toEqual(paths.map(() => 0));
    const report = await compareWithMfdataset(archive, paths);
    expect(report.differences).toEqual([]);
    const state = await status(archive);
    expect(JSON.stringify(state)).not.toMatch(/"failed":[1-9]/);
    // The template knew the inputs: status counts every unit the writers owed, and finds them done.
    expect(state.inputs.map((i) => i.state)).toEqual(paths.map(() => "done"));
    expect(state.inputs.every((i) => i.units > 0 && i.done === i.units)).toBe(true);
    expect((await validate(archive)).problems).toEqual([]);
    // No claim is left behind once the writers are done.
    expect(Object.keys(snapshotStore(archive)).filter((k) => k.startsWith(".parazarr/claims/") && k.endsWith(".json"))).toEqual([]);
  }, 180_000);

  it("a live writer's claim refuses an overlapping region before anything is written, naming that writer; once it is killed, its claim is taken over", async () => {
    const archive = await template("claimed");
    // Another process claims t2m's chunk 1 (days 5–9): the second file's region.
    const holder = await holdClaims(archive, "t2m", 1, 1);
    try {
      const before = snapshotStore(archive);
      const error = (await rejection(writeFromSource(netcdf(paths[1]!)[0]!, archive))) as { _tag: string; message: string };
      expect(error._tag).toBe("RegionClaimedError");
      expect(error.message).toContain(`pid ${holder.pid}`);
      expect(snapshotStore(archive)).toEqual(before);
    } finally {
      holder.kill("SIGKILL");
      await new Promise((resolve) => holder.once("exit", resolve));
    }
    // The holder is dead (its pid is gone on this host): the claim is taken over.
    const summary = await writeFromSource(netcdf(paths[1]!)[0]!, archive);
    expect(summary.tasks.failed).toBe(0);
    expect(summary.tasks.written).toBeGreaterThan(0);
  }, 120_000);

  it("a file whose region cuts a chunk is refused with ChunkAlignmentError, naming the boundaries", async () => {
    const archive = join(dirs.temp("cut"), "archive.zarr");
    await createTemplate(netcdf(paths[0]!)[0]!, archive, { inputs: netcdf(paths), chunks: { time: 4 } });
    const error = (await rejection(writeFromSource(netcdf(paths[1]!)[0]!, archive))) as { _tag: string; message: string };
    expect(error._tag).toBe("ChunkAlignmentError");
    expect(error.message).toContain("5");
    expect(error.message).toMatch(/4 and 8/);
  }, 60_000);
});
