/**
 * Starting a slurm plan: listen, stage the agent, write the run directory,
 * submit one array job. It resolves as soon as Slurm took the job: tasks
 * join as they start (the plan is elastic), so a queue wait is spent
 * running nothing rather than blocking the first map in start().
 */
import { writeFileSync } from "node:fs";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResourceLimits } from "node:worker_threads";
import { Shipper, TaskBundler } from "@parazarr/remote";
import { bundleAgent } from "./agent-bundle.js";
import { sharedDirCodeStore } from "./code-store.js";
import { commandRunner, submitJob } from "./commands.js";
import { cancelOnExit } from "./exit-hook.js";
import { listenForTasks, type TaskLink } from "./listener.js";
import type { ResolvedOptions } from "./options.js";
import { RunDir } from "./run-dir.js";
import { jobScript, sbatchArgs } from "./sbatch-script.js";
import { SlurmBackend } from "./slurm-backend.js";
import { SqueueReader } from "./squeue.js";

export async function startSlurm(options: ResolvedOptions, resourceLimits?: ResourceLimits): Promise<SlurmBackend> {
  const run = commandRunner(options.env);
  const runDir = new RunDir(options.stagingDir);
  // Tasks that join before the backend exists (a fast scheduler) wait here.
  let backend: SlurmBackend | undefined;
  const early: TaskLink[] = [];
  const listener = await listenForTasks(
    await listenAddress(options),
    options.listenPort,
    runDir.secret,
    (link) => (backend ? backend.join(link) : early.push(link)),
    (index, reason) => process.emitWarning(`slurm task ${index} could not join: ${reason}`, { code: "PARAZARR_SLURM_TASK_REFUSED" }),
  );
  try {
    const shipper = new Shipper(sharedDirCodeStore(options.stagingDir), new TaskBundler());
    const agentPath = fileURLToPath(await shipper.shipEntry(await bundleAgent()));
    runDir.writeConfig({ host: advertisedHost(options), port: listener.port, threads: options.threadsPerWorker, resourceLimits });
    const scriptPath = join(runDir.path, "job.sh");
    writeFileSync(scriptPath, jobScript(options, agentPath, runDir.path), { mode: 0o700 });
    const jobId = await submitJob(run, sbatchArgs(options, scriptPath, runDir.outputPattern));
    const unhook = cancelOnExit(jobId, options.env, () => runDir.removeSecret());
    backend = new SlurmBackend({ jobId, options, run, squeue: new SqueueReader(run), runDir, shipper, listener, unhook });
    for (const link of early.splice(0)) backend.join(link);
    return backend;
  } catch (error) {
    listener.close();
    runDir.removeSecret();
    throw error;
  }
}

/**
 * Where the coordinator listens: where the user said, else only on the
 * address its own name resolves to — the one the tasks are sent to — so
 * that the channel is never open on every interface by default.
 */
export async function listenAddress(options: Pick<ResolvedOptions, "listenHost">): Promise<string> {
  return options.listenHost ?? (await lookup(hostname())).address;
}

/** Where tasks reach the coordinator: `advertise`, else the address it listens on, else (unsaid or every interface) this machine's name. */
function advertisedHost(options: ResolvedOptions): string {
  if (options.advertise !== undefined) return options.advertise;
  if (options.listenHost === undefined || options.listenHost === "0.0.0.0" || options.listenHost === "::") return hostname();
  return options.listenHost;
}
