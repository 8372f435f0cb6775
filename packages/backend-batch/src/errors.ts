/**
 * Errors the batch plan raises on purpose. Each carries a `_tag` (guards
 * match on it, not on `instanceof`), the queue and the job it concerns, and
 * Batch's own `statusReason`. None holds a credential: messages are built
 * from ids, names and Batch's reasons, and scrubbed like core's own errors.
 */
import { redactText, scrubError } from "@parazarr/core/backend";

/** A child stayed RUNNABLE past `runnableTimeoutMs`: the queue's compute environment has no capacity for it. */
export class BatchCapacityError extends Error {
  readonly _tag = "BatchCapacityError" as const;
  constructor(
    readonly jobQueue: string,
    readonly jobId: string,
    readonly statusReason: string | undefined,
    readonly waitedMs: number,
  ) {
    super(
      redactText(
        `batch: job ${jobId} on queue ${jobQueue} is still RUNNABLE after ${Math.round(waitedMs / 1000)} s ` +
          `(${statusReason ? `Batch says: ${statusReason}` : "Batch gives no reason"}); ` +
          "the queue's compute environments cannot place it: check their state, maxvCpus, instance types and the job's vcpus/memory",
      ),
    );
    this.name = "BatchCapacityError";
  }
}

/** Batch refused or failed the plan's jobs: a misconfiguration, a submit that failed, or every child gone. */
export class BatchJobError extends Error {
  readonly _tag = "BatchJobError" as const;
  constructor(
    message: string,
    readonly jobQueue: string,
    readonly jobId: string | undefined,
    readonly statusReason: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(redactText(`batch: ${message}`), options && { cause: scrubError(options.cause) });
    this.name = "BatchJobError";
  }
}

/** The staging prefix could not be used (no bucket, no permission). */
export class BatchStagingError extends Error {
  readonly _tag = "BatchStagingError" as const;
  constructor(
    readonly staging: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(redactText(`batch: staging ${staging}: ${message}`), options && { cause: scrubError(options.cause) });
    this.name = "BatchStagingError";
  }
}

const hasTag = (value: unknown, tag: string): boolean =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === tag;

export const isBatchCapacityError = (e: unknown): e is BatchCapacityError => hasTag(e, "BatchCapacityError");
export const isBatchJobError = (e: unknown): e is BatchJobError => hasTag(e, "BatchJobError");
export const isBatchStagingError = (e: unknown): e is BatchStagingError => hasTag(e, "BatchStagingError");
