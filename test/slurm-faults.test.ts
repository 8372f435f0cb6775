/**
 * slurm() against a real one-node Slurm: a task cancelled mid-map (its
 * batches come back through core's retries, exact results), a job that can
 * never start (PENDING with Slurm's reason), sbatch refusing the job
 * (Slurm's message), and what close and an abort leave in squeue: nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isSlurmPendingError, isSlurmSubmitError, slurm } from "@parazarr/backend-slurm";
import { isTaskError, isWorkerCrashedError, map, sequential, setPlan } from "@parazarr/core";
import { slurmOptions, startCluster } from "../packages/backend-slurm/test/fixtures/cluster.js";
import { slowSquare, talksThenWaits, whereAmI } from "./fixtures/slurm-tasks.mjs";
import { rejection } from "./fixtures/zarr-helpers.js";

const cluster = await startCluster();
afterEach(() => setPlan(sequential()));
afterAll(() => cluster.stop());

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const squeue = () => execFileSync("squeue", ["-h", "-o", "%i %T %r"], { env: { ...process.env, ...cluster.env } }).toString().trim();
const scancel = (id: string) => execFileSync("scancel", [id], { env: { ...process.env, ...cluster.env } });

/** The array job of the current plan, from a task that ran in it. */
async function jobOfPlan(): Promise<string> {
  const seen = await map(whereAmI, range(8), { batchSize: 1 });
  const job = seen.find((s) => s.job !== undefined)?.job;
  if (job === undefined) throw new Error("no task ran in a Slurm job");
  return job;
}

describe("slurm: faults", () => {
  it("a task scancelled mid-map loses its batches to core's retries: exact results from the task left", async () => {
    const plan = slurm(slurmOptions(cluster, { workers: 2 }));
    await setPlan(plan);
    const job = await jobOfPlan();
    let cancelled = false;
    const results = await map(slowSquare, range(300), {
      batchSize: 2,
      retries: 3,
      onProgress: ({ done }) => {
        if (!cancelled && done >= 40) {
          cancelled = true;
          scancel(`${job}_1`);
        }
      },
    });
    expect(cancelled).toBe(true);
    expect(results).toEqual(range(300).map((x) => x * x));
    // Only task 0 is left to run anything.
    const after = await map(whereAmI, range(6), { batchSize: 1 });
    expect(new Set(after.map((s) => s.index))).toEqual(new Set(["0"]));
    await plan.close();
    expect(squeue()).toBe("");
  });

  it("without retries, a lost task's error carries Slurm's state for it and the tail of its output", async () => {
    const options = slurmOptions(cluster, { workers: 1 });
    const plan = slurm(options);
    await setPlan(plan);
    const job = await jobOfPlan();
    const running = rejection(map(talksThenWaits, [7], { retries: 0 }));
    // Once the task has spoken (its --output file holds the line), Slurm cancels it.
    const output = () => readdirSync(join(options.stagingDir, "runs")).map((run) => join(options.stagingDir, "runs", run, "task-0.out")).filter(existsSync).map((f) => readFileSync(f, "utf8")).join("");
    for (let i = 0; i < 200 && !output().includes("says hello"); i++) await sleep(100);
    scancel(job);
    const error = await running;
    expect(isWorkerCrashedError(error), String(error)).toBe(true);
    // squeue shows the task COMPLETING (or already CANCELLED); slurmstepd's own line in its output says why.
    expect((error as Error).message).toMatch(/Slurm: (COMPLETING|CANCELLED)/);
    expect((error as Error).message).toMatch(/\*\*\* JOB \d+ ON localhost CANCELLED AT/);
    expect((error as Error).message).toContain("talksThenWaits says hello for input 7");
    await plan.close();
  });

  it("a job that can never start (more memory than any node) is a SlurmPendingError with Slurm's reason, and is cancelled", async () => {
    await setPlan(slurm(slurmOptions(cluster, { memory: "64G", pendingTimeoutMs: 3_000 })));
    const error = await rejection(map(slowSquare, range(4)));
    // Core names the input that could not run; the cause is Slurm's side of it.
    expect(isTaskError(error)).toBe(true);
    const cause = (error as Error).cause;
    expect(isSlurmPendingError(cause), String(error)).toBe(true);
    expect((cause as Error).message).toMatch(/stayed PENDING for \d+ s \(reason: MaxMemPerLimit\); it was cancelled/);
    // The plan gives the same answer at once afterwards, without another wait.
    const again = await rejection(map(slowSquare, range(2)));
    expect(isSlurmPendingError((again as Error).cause)).toBe(true);
    await setPlan(sequential());
    expect(squeue()).toBe("");
  });

  it("sbatch's refusal (an invalid partition) is a SlurmSubmitError with Slurm's message", async () => {
    await setPlan(slurm(slurmOptions(cluster, { partition: "nosuchpartition" })));
    const error = await rejection(map(slowSquare, range(2)));
    expect(isSlurmSubmitError(error)).toBe(true);
    expect((error as Error).message).toMatch(/invalid partition/i);
  });

  it("close() while a map runs leaves nothing in squeue", async () => {
    const plan = slurm(slurmOptions(cluster, { workers: 2 }));
    await setPlan(plan);
    await jobOfPlan();
    const running = map(slowSquare, range(2000), { batchSize: 1 }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await plan.close();
    expect(await running).toBeInstanceOf(Error);
    expect(squeue()).toBe("");
  });

  it("an aborted map, then close(), leaves nothing in squeue", async () => {
    const plan = slurm(slurmOptions(cluster, { workers: 2 }));
    await setPlan(plan);
    await jobOfPlan();
    const abort = new AbortController();
    const running = map(slowSquare, range(2000), { batchSize: 1, signal: abort.signal }).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    expect((await running as Error).name).toBe("AbortError");
    // The plan is still usable after the abort: its tasks persist.
    expect(await map(slowSquare, [3, 4])).toEqual([9, 16]);
    await plan.close();
    expect(squeue()).toBe("");
  });
});
