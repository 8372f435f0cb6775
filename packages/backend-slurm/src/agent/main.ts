/**
 * A Slurm task's entry, bundled into one file with @parazarr/remote's
 * agent runtime (core is the staged core.mjs). The same file is the agent
 * (main thread) and each of its worker threads. The run directory (argv)
 * holds where the coordinator listens and the secret it proves itself
 * with; SLURM_ARRAY_TASK_ID says which task this is.
 */
import { isMainThread } from "node:worker_threads";
import { runAgent, serveAgentThread } from "@parazarr/remote/agent";
import { connectTransport, readRun } from "./tcp-transport.js";

if (isMainThread) {
  const runDir = process.argv[2] ?? "";
  const index = Number(process.env.SLURM_ARRAY_TASK_ID ?? "0");
  const name = `slurm task ${process.env.SLURM_ARRAY_JOB_ID ?? "?"}_${index}`;
  try {
    const run = await readRun(runDir);
    const transport = await connectTransport(run, index);
    await runAgent(transport, { entry: new URL(import.meta.url), workers: run.config.threads, name, resourceLimits: run.config.resourceLimits });
    process.exit(transport.failed ? 1 : 0);
  } catch (error) {
    process.stderr.write(`parazarr agent (${name}): ${(error as Error).message}\n`);
    process.exit(1);
  }
} else {
  serveAgentThread();
}
