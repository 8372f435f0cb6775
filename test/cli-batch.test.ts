/**
 * `parazarr convert` and `validate` on AWS Batch (the stand-in), named on
 * the command line only: `--plan batch:queue=…,staging=s3://…,workers=2`.
 * The CLI knows no batch option; @parazarr/backend-batch parses its own
 * plan string. Endpoints come the AWS way, from AWS_ENDPOINT_URL_BATCH and
 * AWS_ENDPOINT_URL_S3 in the environment.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { startStandIn, JOB_QUEUE, type StandIn } from "../packages/backend-batch/test/fixtures/stand-in.js";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { ndjson, parazarr } from "./fixtures/cli.js";

const dirs = tempDirs();
let standIn: StandIn;
let nc: string;

beforeAll(async () => {
  standIn = await startStandIn();
  nc = dirs.temp("cli-batch-nc");
  await makeCollection(nc, { files: 4, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
}, 180_000);
afterAll(async () => {
  await standIn?.stop();
  dirs.removeAll();
});

describe("the CLI on batch", () => {
  it("converts on two array children, resumes, and validates, with a plan string alone", async () => {
    const cwd = dirs.temp("cli-batch");
    // The inputs are local files: the children (local processes here) see them, as they would on an EFS mount.
    const plan = `batch:queue=${JOB_QUEUE},staging=${standIn.staging},workers=2,region=us-east-1,shared=${tmpdir()}`;
    const env = { AWS_ENDPOINT_URL_BATCH: standIn.endpoint.url, AWS_ENDPOINT_URL_S3: standIn.s3.endpoint };
    const archive = `s3://${standIn.s3.bucket}/cli.zarr`;
    const first = await parazarr(["convert", join(nc, "*.nc"), archive, "--plan", plan, "--chunks", "time=5", "--json"], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    const events = ndjson(first.stdout);
    expect(events[0]).toMatchObject({ event: "start", command: "convert", plan: "batch(parazarr-test-queue, us-east-1, 2 workers)" });
    expect(events.at(-1)).toMatchObject({ event: "summary" });
    const again = await parazarr(["convert", join(nc, "*.nc"), archive, "--plan", plan, "--chunks", "time=5", "--json"], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    const validated = await parazarr(["validate", archive, "--plan", plan, "--json"], { cwd, env });
    expect(validated.code, validated.stderr).toBe(0);
    const submits = standIn.endpoint.control.calls().filter((call) => call.operation === "SubmitJob" && call.status === 200);
    expect(submits.length).toBeGreaterThanOrEqual(2);
    // Each run closed its plan (TerminateJob): the endpoint stops the children, SIGTERM then SIGKILL.
    const deadline = Date.now() + 10_000;
    while (standIn.endpoint.control.processes().length > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    expect(standIn.endpoint.control.processes()).toEqual([]);
  }, 300_000);
});
