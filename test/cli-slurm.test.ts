/**
 * `parazarr convert` and `validate` on a real one-node Slurm, named on the
 * command line only, the way the user would:
 * `--plan slurm:partition=debug,workers=2,…`. The CLI knows no slurm
 * option; @parazarr/backend-slurm parses its own plan string. SLURM_CONF
 * comes from the environment, as on a cluster's login node.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type SlurmCluster } from "../packages/backend-slurm/test/fixtures/cluster.js";
import { ndjson, parazarr } from "./fixtures/cli.js";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";

const dirs = tempDirs();
let cluster: SlurmCluster;
let nc: string;

beforeAll(async () => {
  cluster = await startCluster();
  nc = dirs.temp("cli-slurm-nc");
  await makeCollection(nc, { files: 4, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
}, 180_000);
afterAll(async () => {
  await cluster?.stop();
  dirs.removeAll();
});

const squeue = () => execFileSync("squeue", ["-h", "-o", "%i %T"], { env: { ...process.env, ...cluster.env } }).toString().trim();

describe("the CLI on slurm", () => {
  it("converts on two array tasks, resumes, and validates, with a plan string alone, and leaves nothing in squeue", async () => {
    const cwd = dirs.temp("cli-slurm");
    const staging = join(cluster.dir, "cli-staging");
    mkdirSync(staging, { recursive: true });
    // Every task runs on this machine: the temp directory (inputs and archive) is as shared as a cluster's /scratch.
    const plan = `slurm:partition=${cluster.partition},workers=2,stagingDir=${staging},node=${process.execPath},listen=127.0.0.1:0,shared=${tmpdir()}`;
    const archive = join(dirs.temp("cli-slurm-out"), "era.zarr");
    const env = { ...cluster.env };
    const first = await parazarr(["convert", join(nc, "*.nc"), archive, "--plan", plan, "--chunks", "time=5", "--json"], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    const events = ndjson(first.stdout);
    expect(events[0]).toMatchObject({ event: "start", command: "convert", plan: "slurm(debug, 2 workers)" });
    expect(events.at(-1)).toMatchObject({ event: "summary" });
    const again = await parazarr(["convert", join(nc, "*.nc"), archive, "--plan", plan, "--chunks", "time=5", "--json"], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    const validated = await parazarr(["validate", archive, "--plan", plan, "--json"], { cwd, env });
    expect(validated.code, validated.stderr).toBe(0);
    // Each command closed its plan: scancel, and nothing of it left queued or running.
    const deadline = Date.now() + 15_000;
    while (squeue() !== "" && Date.now() < deadline) await new Promise((done) => setTimeout(done, 200));
    expect(squeue()).toBe("");
  }, 300_000);
});
