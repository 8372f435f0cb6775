/**
 * sbatch, squeue and scancel, run with the plan's environment (SLURM_CONF…).
 * Nothing secret ever appears in their arguments: the script and job
 * environment name only paths (see run-dir.ts).
 */
import { execFile } from "node:child_process";
import { SlurmCommandError, SlurmSubmitError } from "./errors.js";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandResult>;

const COMMAND_TIMEOUT_MS = 60_000;

export function commandRunner(env: Readonly<Record<string, string>>): RunCommand {
  return (command, args) =>
    new Promise((resolve, reject) => {
      execFile(command, [...args], { env: { ...process.env, ...env }, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (typeof code === "string") return reject(new SlurmCommandError(command, code === "ENOENT" ? "not found on PATH (is this a Slurm login node?)" : (error as Error).message));
        resolve({ code: error ? (typeof code === "number" ? code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
}

/**
 * Slurm's transient refusals: the controller is busy or briefly away
 * (slurmctld restarting, "Socket timed out on send/recv operation"). Any
 * other refusal (an invalid partition or account) will not change by
 * waiting and is reported at once.
 */
const TRANSIENT = /Submission rate too high|Socket timed out|Unable to contact slurm controller|Slurm temporarily unable|try again later|Resource temporarily unavailable/i;

export interface SubmitRetry {
  readonly attempts: number;
  readonly firstDelayMs: number;
}

const DEFAULT_RETRY: SubmitRetry = { attempts: 6, firstDelayMs: 500 };

/** `sbatch --parsable`, retried with doubling delays on transient refusals; resolves to the job id. */
export async function submitJob(run: RunCommand, args: readonly string[], retry: SubmitRetry = DEFAULT_RETRY): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const result = await run("sbatch", ["--parsable", ...args]);
    const message = (result.stderr || result.stdout).trim();
    if (result.code === 0) {
      // --parsable: "jobid" or "jobid;cluster".
      const jobId = result.stdout.trim().split(";")[0] ?? "";
      if (/^\d+$/.test(jobId)) return jobId;
      throw new SlurmSubmitError(`unexpected output ${JSON.stringify(result.stdout.trim())}`, attempt);
    }
    if (!TRANSIENT.test(message) || attempt >= retry.attempts) throw new SlurmSubmitError(message || `exit code ${result.code}`, attempt);
    await new Promise((resolve) => setTimeout(resolve, retry.firstDelayMs * 2 ** (attempt - 1)));
  }
}

/** Cancels the whole array job; a job that is already gone is not an error. */
export async function cancelJob(run: RunCommand, jobId: string): Promise<void> {
  await run("scancel", [jobId]).catch(() => undefined);
}
