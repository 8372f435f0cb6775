/**
 * The channel's secret (what a task proves itself with) never appears where
 * other users or logs can see it: not in `scontrol show job` (with the
 * script and environment Slurm keeps), not in squeue's JSON, the job
 * script, the tasks' output, or an error. It is in one 0600 file, removed
 * when the plan closes. And a caller that exits without close() leaves
 * nothing in squeue.
 */
import { execFile, execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { slurm } from "@parazarr/backend-slurm";
import { map, sequential, setPlan, task } from "@parazarr/core";
import { slurmOptions, startCluster } from "../packages/backend-slurm/test/fixtures/cluster.js";
import { whereAmI } from "./fixtures/slurm-tasks.mjs";
import { rejection } from "./fixtures/zarr-helpers.js";

const cluster = await startCluster();
afterAll(async () => {
  await setPlan(sequential());
  await cluster.stop();
});
const env = { ...process.env, ...cluster.env };
const slurmText = (...args: string[]) => execFileSync(args[0]!, args.slice(1), { env }).toString();

const fails = task(import.meta.url, "fails", (x: number) => {
  throw new Error(`task failed on ${x}, with its whole environment: ${JSON.stringify(process.env)}`);
});

/** Every regular file under dir, recursively, but the secret itself. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    // Sockets (munge's) and pipes are not files anyone reads back.
    return entry.isFile() && entry.name !== "secret" ? [path] : [];
  });
}

describe("slurm: the channel's secret", () => {
  it("is in one 0600 file and nowhere else: not scontrol, squeue, the script, the output or an error", async () => {
    const options = slurmOptions(cluster);
    const plan = slurm(options);
    await setPlan(plan);
    const seen = await map(whereAmI, [1, 2, 3, 4], { batchSize: 1 });
    const job = seen[0]!.job!;
    const error = await rejection(map(fails, [1], { batchSize: 1 }));

    const runs = join(options.stagingDir, "runs");
    const runDir = join(runs, readdirSync(runs)[0]!);
    const secretFile = join(runDir, "secret");
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    const secret = readFileSync(secretFile);
    expect(secret.length).toBe(32);
    const forms = [secret.toString("hex"), secret.toString("base64"), secret.toString("base64url"), secret.toString("latin1")];

    const seenByOthers = [
      slurmText("scontrol", "show", "job", "-dd", job),
      slurmText("squeue", "--json"),
      String(error),
      JSON.stringify(error, Object.getOwnPropertyNames(error)),
      // Everything Slurm and the tasks wrote: the run directory (script, task output), the daemons' logs, and
      // slurmctld's saved state, which holds each job's script and environment as the controller keeps them.
      ...filesUnder(cluster.dir).map((path) => readFileSync(path, "latin1")),
      // What anyone on the node could see of the agents: their command lines (and, as the same user, their environment).
      ...seen.flatMap((s) => [`/proc/${s.pid}/cmdline`, `/proc/${s.pid}/environ`]).filter(existsSync).map((path) => readFileSync(path, "latin1")),
    ];
    expect(filesUnder(cluster.dir).some((path) => /job\.\d+\/environment$/.test(path))).toBe(true);
    expect(seenByOthers.join("\n")).toContain(job);
    for (const text of seenByOthers) for (const form of forms) expect(text).not.toContain(form);

    await plan.close();
    expect(existsSync(secretFile)).toBe(false);
    expect(slurmText("squeue", "-h")).toBe("");
  });

  it.each(["ends", "exit"])("a script that %s without close() leaves nothing in squeue", async (how) => {
    const script = fileURLToPath(new URL("./fixtures/slurm-exits-without-close.mjs", import.meta.url));
    // 5 CPUs per task on an 8-CPU node: task 1 stays PENDING. A running task ends with its connection anyway;
    // a pending one would wait in the queue, then start for nobody, unless the exit cancels the job.
    const options = slurmOptions(cluster, { workers: 2, cpusPerWorker: 5 });
    const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify(options), how], { env, timeout: 120_000 });
    expect(stdout.trim()).toMatch(/^\d+$/);
    // The exit hook's scancel is done when the script has exited: nothing is left pending or running at once
    // (without it, task 1 would still be PENDING here). Slurm may show tasks COMPLETING a moment longer.
    const states = slurmText("squeue", "-h", "-o", "%T").split("\n").filter((line) => line !== "");
    expect(states.filter((state) => state !== "COMPLETING")).toEqual([]);
    for (let i = 0; i < 60 && slurmText("squeue", "-h") !== ""; i++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect(slurmText("squeue", "-h")).toBe("");
  });
});
