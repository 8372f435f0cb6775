/**
 * Errors the slurm plan raises on purpose, each with a `_tag` and a guard.
 * Their text is Slurm's own (sbatch's message, squeue's reason) plus the
 * job id: never the channel's secret, which no command line, script or
 * message of this package holds (see run-dir.ts).
 */
import { redactText } from "@parazarr/core/backend";

/** sbatch refused the job (an invalid partition, account or QOS), with Slurm's message. */
export class SlurmSubmitError extends Error {
  readonly _tag = "SlurmSubmitError" as const;
  constructor(
    readonly slurmMessage: string,
    readonly attempts: number,
  ) {
    super(redactText(`slurm: sbatch refused the job${attempts > 1 ? ` (after ${attempts} attempts)` : ""}: ${slurmMessage}`));
    this.name = "SlurmSubmitError";
  }
}

export const isSlurmSubmitError = (e: unknown): e is SlurmSubmitError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "SlurmSubmitError";

/** No task of the job started within pendingTimeoutMs: Slurm's reason says why (Resources, Priority, QOSMaxJobsPerUserLimit…). */
export class SlurmPendingError extends Error {
  readonly _tag = "SlurmPendingError" as const;
  constructor(
    readonly jobId: string,
    readonly reason: string,
    readonly waitedMs: number,
    readonly partition: string,
  ) {
    super(
      `slurm: job ${jobId} on partition ${partition} stayed PENDING for ${Math.round(waitedMs / 1000)} s (reason: ${reason}); ` +
        `it was cancelled. Ask for less (memory, cpusPerWorker, time), another partition, or a longer pendingTimeoutMs`,
    );
    this.name = "SlurmPendingError";
  }
}

export const isSlurmPendingError = (e: unknown): e is SlurmPendingError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "SlurmPendingError";

/** A Slurm command could not run at all (not installed, not on PATH). */
export class SlurmCommandError extends Error {
  readonly _tag = "SlurmCommandError" as const;
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(redactText(`slurm: ${command}: ${message}`));
    this.name = "SlurmCommandError";
  }
}

export const isSlurmCommandError = (e: unknown): e is SlurmCommandError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "SlurmCommandError";
