/**
 * The conversion workflow on Slurm tasks: sources and archive on the shared
 * staging filesystem, every scan and chunk task run by a task of the array
 * job, the archive holding exactly the files' values, and a rerun that
 * resumes from the ledger (nothing written twice).
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slurm } from "@parazarr/backend-slurm";
import { convert, open, read, withPlan } from "@parazarr/core";
import { slurmOptions, startCluster, type SlurmCluster } from "../packages/backend-slurm/test/fixtures/cluster.js";
import "./fixtures/json-source.mjs";
import { NX, NY, sstOf, t2mOf, writeJsonCollection } from "./fixtures/json-collection.js";
import { expectRanOn, observed, type ObservedPlan } from "./fixtures/observed-plan.js";

let cluster: SlurmCluster;
let watched: ObservedPlan;

beforeAll(async () => {
  cluster = await startCluster();
  watched = observed(slurm(slurmOptions(cluster, { workers: 2 })));
});
afterAll(async () => {
  await watched.plan.close();
  await cluster.stop();
});

async function values(archive: string, name: string): Promise<number[]> {
  const { data } = await read(await open(archive, name), null);
  return Array.from(data as ArrayLike<number>, Number);
}

describe("convert on slurm tasks", () => {
  it("files whose boundaries cut chunks land whole, every chunk task on a Slurm task; a rerun skips them all", async () => {
    const dir = mkdtempSync(join(cluster.dir, "parazarr", "convert-"));
    const files = writeJsonCollection(dir, [{ start: 0, steps: 5 }, { start: 5, steps: 5, hours: true }, { start: 10, steps: 5 }]);
    const archive = join(dir, "out.zarr");
    watched.reset();
    const summary = await withPlan(watched.plan, () => convert(files, archive, { chunks: { time: 4 } }));
    expectRanOn(watched, "scanSources", /^slurm task \d+_[01] worker \d+$/);
    expectRanOn(watched, "convertUnits", /^slurm task \d+_[01] worker \d+$/);
    expect(summary.timeSteps).toBe(15);
    expect(summary.tasks).toEqual({ total: 8, written: 8, skipped: 0, failed: 0 });
    expect(await values(archive, "time")).toEqual(Array.from({ length: 15 }, (_, d) => d));
    const [t2m, sst] = [await values(archive, "t2m"), await values(archive, "sst")];
    let k = 0;
    for (let d = 0; d < 15; d++) {
      for (let y = 0; y < NY; y++) {
        for (let x = 0; x < NX; x++, k++) {
          expect(t2m[k]).toBe(Math.fround(t2mOf(d, y, x)));
          const physical = sstOf(d, y, x);
          expect(sst[k]).toBe(Number.isNaN(physical) ? -32767 : Math.round((physical - 273.15) / 0.01));
        }
      }
    }
    const rerun = await withPlan(watched.plan, () => convert(files, archive, { chunks: { time: 4 } }));
    expect(rerun.tasks).toEqual({ total: 8, written: 0, skipped: 8, failed: 0 });
  });
});
