/**
 * The one-node Slurm cluster the slurm backend's tests run on
 * (test/fixtures/slurm.mjs): what those tests rely on, checked with Slurm's
 * own commands. A machine without the packages fails here, naming
 * scripts/install-test-deps.sh; nothing is skipped.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSlurm, type SlurmCluster } from "./fixtures/slurm.mjs";

const run = promisify(execFile);
let slurm: SlurmCluster;

beforeAll(async () => {
  slurm = await startSlurm({ cpus: 2, memoryMB: 2000 });
}, 120_000);
afterAll(() => slurm?.stop());

async function slurmCommand(command: string, args: string[], env = slurm.env): Promise<string> {
  // cwd: sbatch writes a job's default slurm-<id>.out there.
  const { stdout } = await run(command, args, { env: { ...process.env, ...env }, cwd: slurm.dir, timeout: 30_000 });
  return stdout;
}

interface SqueueJob {
  job_id: number;
  array_job_id: number;
  array_task_id: number | null;
  job_state: string;
  state_reason: string;
}
async function squeueJson(): Promise<SqueueJob[]> {
  return (JSON.parse(await slurmCommand("squeue", ["--json"])) as { jobs: SqueueJob[] }).jobs;
}

/** Polls scontrol (bounded, generous: the machine is loaded) until the job reaches one of `states`. */
async function waitForState(jobId: string, states: string[], ms = 60_000, env = slurm.env): Promise<string> {
  const deadline = Date.now() + ms;
  let state = "";
  while (Date.now() < deadline) {
    const line = await slurmCommand("scontrol", ["show", "job", "-o", jobId], env).catch(() => "");
    state = /JobState=(\S+)/.exec(line)?.[1] ?? "";
    if (states.includes(state)) return state;
    await sleep(250);
  }
  throw new Error(`job ${jobId} still ${state || "unknown"} after ${ms} ms, expected ${states.join("/")}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every process carrying this cluster's SLURM_CONF in its environment: the
 * daemons, their slurmstepd and the jobs' own processes all inherit it.
 */
async function processesOf(dir: string): Promise<number[]> {
  const marker = `SLURM_CONF=${join(dir, "slurm.conf")}\0`;
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (`${environ}\0`.includes(marker)) found.push(Number(entry));
  }
  return found;
}

describe("startSlurm: a one-node cluster on loopback", () => {
  it("runs an sbatch --array job whose tasks each see their SLURM_ARRAY_TASK_ID", async () => {
    const out = join(slurm.dir, "array-%A_%a.out");
    const jobId = (await slurmCommand("sbatch", ["--parsable", "--array=0-3%2", `--output=${out}`, "--wrap", "echo task=$SLURM_ARRAY_TASK_ID"])).trim();
    expect(jobId).toMatch(/^\d+$/);
    for (let task = 0; task < 4; task++) await waitForState(`${jobId}_${task}`, ["COMPLETED"]);
    const lines = [];
    for (let task = 0; task < 4; task++) lines.push((await readFile(join(slurm.dir, `array-${jobId}_${task}.out`), "utf8")).trim());
    expect(lines).toEqual(["task=0", "task=1", "task=2", "task=3"]);
  }, 120_000);

  it("lists jobs with squeue --json and cancels one with scancel", async () => {
    const jobId = (await slurmCommand("sbatch", ["--parsable", "--array=0-1", "--wrap", "sleep 300"])).trim();
    await waitForState(`${jobId}_0`, ["RUNNING"]);
    const tasks = (await squeueJson()).filter((job) => String(job.array_job_id) === jobId);
    expect(tasks.map((job) => [job.array_task_id, job.job_state]).sort()).toEqual([
      [0, "RUNNING"],
      [1, "RUNNING"],
    ]);
    await slurmCommand("scancel", [`${jobId}_1`]);
    expect(await waitForState(`${jobId}_1`, ["CANCELLED"])).toBe("CANCELLED");
    expect(await waitForState(`${jobId}_0`, ["RUNNING"])).toBe("RUNNING");
    await slurmCommand("scancel", [jobId]);
    expect(await waitForState(`${jobId}_0`, ["CANCELLED"])).toBe("CANCELLED");
  }, 120_000);

  it("keeps a job asking for more memory than the partition allows PENDING, with Slurm's reason", async () => {
    const jobId = (await slurmCommand("sbatch", ["--parsable", "--mem=100G", "--wrap", "true"])).trim();
    await sleep(3_000); // several scheduler passes (sched_min_interval is 2 s): it must still wait
    const job = (await squeueJson()).find((j) => String(j.job_id) === jobId);
    expect(job).toMatchObject({ job_state: "PENDING", state_reason: "MaxMemPerLimit" });
    expect(await slurmCommand("squeue", ["-h", "-j", jobId, "-o", "%T %r"])).toBe("PENDING MaxMemPerLimit\n");
    await slurmCommand("scancel", [jobId]);
  }, 60_000);

  it("listens on loopback only", async () => {
    const { stdout } = await run("ss", ["-Hltnp"]);
    const ours = stdout.split("\n").filter((line) => line.includes(`pid=${slurm.pids.slurmctld},`) || line.includes(`pid=${slurm.pids.slurmd},`));
    expect(ours).toHaveLength(2);
    for (const line of ours) expect(line.split(/\s+/)[3]).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe("stopping the cluster", () => {
  it("stop() cancels the jobs, leaves no daemon alive and removes its directory; twice is fine", async () => {
    const own = await startSlurm({ cpus: 1, memoryMB: 500 });
    const { stdout } = await run("sbatch", ["--parsable", "--wrap", "sleep 300"], { env: { ...process.env, ...own.env }, cwd: own.dir });
    expect(stdout.trim()).toMatch(/^\d+$/);
    const pids = Object.values(own.pids);
    expect(pids.every(alive)).toBe(true);
    await waitForState(stdout.trim(), ["RUNNING"], 60_000, own.env);
    expect((await processesOf(own.dir)).length).toBeGreaterThan(pids.length); // the job's slurmstepd and sleep too
    await own.stop();
    await own.stop();
    expect(pids.filter(alive)).toEqual([]);
    expect(await processesOf(own.dir)).toEqual([]);
    expect(existsSync(own.dir)).toBe(false);
  }, 120_000);

  it("a process that exits without stop() takes its daemons with it", async () => {
    const script = fileURLToPath(new URL("./fixtures/slurm-exits-without-stop.mjs", import.meta.url));
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    const { pids, dir } = JSON.parse(stdout) as { pids: Record<string, number>; dir: string };
    // The hook sends SIGTERM; the daemons take a moment to go (bounded).
    for (let i = 0; i < 100 && Object.values(pids).some(alive); i++) await sleep(100);
    expect(Object.entries(pids).filter(([, pid]) => alive(pid))).toEqual([]);
    for (let i = 0; i < 100 && (await processesOf(dir)).length > 0; i++) await sleep(100);
    expect(await processesOf(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});
