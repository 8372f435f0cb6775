/**
 * The job script and sbatch arguments for one plan: one array job whose
 * every task runs the shared agent. The script names only paths (the agent
 * and the run directory): it is kept by Slurm and shown by
 * `scontrol write batch_script`, so nothing secret may be in it.
 */
import type { ResolvedOptions } from "./options.js";

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export function jobScript(options: ResolvedOptions, agentPath: string, runDir: string): string {
  return [
    "#!/bin/bash",
    "# parazarr slurm worker: set-up lines, then the agent (exec: Slurm's signals reach node itself)",
    ...options.setup,
    `exec ${quote(options.node)} ${quote(agentPath)} ${quote(runDir)}`,
    "",
  ].join("\n");
}

export function sbatchArgs(options: ResolvedOptions, scriptPath: string, outputPattern: string): string[] {
  const args = [
    `--array=0-${options.workers - 1}`,
    `--partition=${options.partition}`,
    "--job-name=parazarr",
    `--output=${outputPattern}`,
    "--ntasks=1",
    `--cpus-per-task=${options.cpusPerWorker ?? options.threadsPerWorker}`,
    // A lost task is the coordinator's to replace (through core's retries), never Slurm's to requeue behind its back.
    "--no-requeue",
  ];
  if (options.memory !== undefined) args.push(`--mem=${options.memory}`);
  if (options.time !== undefined) args.push(`--time=${options.time}`);
  if (options.account !== undefined) args.push(`--account=${options.account}`);
  if (options.qos !== undefined) args.push(`--qos=${options.qos}`);
  args.push(...options.sbatchArgs, scriptPath);
  return args;
}
