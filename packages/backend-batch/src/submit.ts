/**
 * Submitting the children: one array job of up to 10,000 (Batch's limit),
 * several when more workers are asked for, sized evenly so no array is
 * left with one child (an array holds 2–10,000; one worker is a plain job).
 *
 * SubmitJob is limited to 50 calls a second per account, shared with
 * everything else the account runs: calls here are spaced at least
 * SUBMIT_SPACING_MS apart (≤ 20 a second), and throttling is waited out
 * (throttle.ts).
 */
import type { BatchClient, SubmitJobCommandInput } from "@aws-sdk/client-batch";
import { BatchJobError } from "./errors.js";
import { outlastThrottling } from "./throttle.js";

type BatchSdk = typeof import("@aws-sdk/client-batch");

export const SUBMIT_SPACING_MS = 50;

export interface SubmittedJob {
  readonly jobId: string;
  /** Children in it (1: a plain job, not an array). */
  readonly size: number;
  readonly submittedAt: number;
}

export interface SubmitRequest {
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly jobName: string;
  readonly command: readonly string[] | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly attempts: number;
}

/** Array sizes for `workers` children, at most `max` each, as even as possible. */
export function arraySizes(workers: number, max: number): number[] {
  const arrays = Math.ceil(workers / max);
  const base = Math.floor(workers / arrays);
  return Array.from({ length: arrays }, (_, i) => base + (i < workers % arrays ? 1 : 0));
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

export class Submitter {
  #lastCallAt = 0;

  constructor(
    private readonly sdk: BatchSdk,
    private readonly client: BatchClient,
  ) {}

  async submit(request: SubmitRequest, size: number, part: number): Promise<SubmittedJob> {
    const input: SubmitJobCommandInput = {
      jobName: `${request.jobName}-${part}`,
      jobQueue: request.jobQueue,
      jobDefinition: request.jobDefinition,
      ...(size > 1 && { arrayProperties: { size } }),
      containerOverrides: {
        ...(request.command !== undefined && { command: [...request.command] }),
        environment: Object.entries(request.environment).map(([name, value]) => ({ name, value })),
      },
      retryStrategy: { attempts: request.attempts },
    };
    try {
      const out = await outlastThrottling(async () => {
        const wait = this.#lastCallAt + SUBMIT_SPACING_MS - performance.now();
        if (wait > 0) await delay(wait);
        this.#lastCallAt = performance.now();
        return this.client.send(new this.sdk.SubmitJobCommand(input));
      });
      if (out.jobId === undefined) throw new Error("SubmitJob answered without a jobId");
      return { jobId: out.jobId, size, submittedAt: performance.now() };
    } catch (error) {
      const said = (error as Error)?.message ?? String(error);
      throw new BatchJobError(
        `cannot submit ${size > 1 ? `an array job of ${size} children` : "a job"} to queue ${request.jobQueue} with job definition ${request.jobDefinition}: ${said}`,
        request.jobQueue,
        undefined,
        undefined,
        { cause: error },
      );
    }
  }
}
