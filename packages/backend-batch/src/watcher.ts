/**
 * Watching the plan's jobs through Batch's API, cheaply:
 *
 * - One DescribeJobs for up to 100 parents a round: an array parent's
 *   `arrayProperties.statusSummary` counts its children by state, so a
 *   round costs one call however many children there are.
 * - Only when a parent's FAILED count grew: ListJobs(arrayJobId,
 *   jobStatus: FAILED) for the new ones (without a status ListJobs lists
 *   RUNNING only), then DescribeJobs (≤ 100 ids a call) for their
 *   statusReason and exit code.
 * - While children are RUNNABLE: ListJobs(RUNNABLE) and DescribeJobs of a
 *   few, for Batch's statusReason: `MISCONFIGURATION:` fails the plan at
 *   once, and RUNNABLE past `runnableTimeoutMs` is a BatchCapacityError
 *   naming the queue, the job and the reason.
 *
 * Rounds start WATCH_FIRST_MS apart and back off to WATCH_MAX_MS while
 * nothing changes; a change brings them back to fast. They pause while the
 * plan has nothing to run and no child is starting (an idle plan costs no
 * API calls; a child lost meanwhile is found when work comes back, by the
 * first round or by its silence). Timers never hold the caller's event loop.
 */
import type { BatchClient, JobDetail } from "@aws-sdk/client-batch";
import { BatchCapacityError, BatchJobError } from "./errors.js";
import type { SubmittedJob } from "./submit.js";
import { isThrottled, outlastThrottling } from "./throttle.js";

type BatchSdk = typeof import("@aws-sdk/client-batch");

export const WATCH_FIRST_MS = 1_000;
export const WATCH_MAX_MS = 15_000;
const DESCRIBE_MAX_IDS = 100;

export interface FailedChild {
  readonly parentId: string;
  readonly index: number;
  /** The attempt that failed last (1 when it never started). */
  readonly attempt: number;
  readonly jobId: string;
  readonly statusReason: string | undefined;
  readonly exitCode: number | undefined;
  /** Whether it ever ran (false: it failed in RUNNABLE/STARTING, e.g. overrides too long, image pull). */
  readonly started: boolean;
}

export interface WatchEvents {
  childFailed(child: FailedChild): void;
  /** Children that cannot start: capacity (RUNNABLE too long) or a misconfiguration. */
  stuck(job: SubmittedJob, error: BatchCapacityError | BatchJobError): void;
  /** A parent is over (every child SUCCEEDED or FAILED). */
  jobOver(job: SubmittedJob): void;
}

interface Watched {
  readonly job: SubmittedJob;
  readonly failedSeen: Set<string>;
  failedCount: number;
  over: boolean;
}

export class JobWatcher {
  readonly #watched: Watched[] = [];
  #timer: NodeJS.Timeout | undefined;
  #interval = WATCH_FIRST_MS;
  #stopped = false;
  #running = false;
  #paused = false;
  #summary = "";

  constructor(
    private readonly sdk: BatchSdk,
    private readonly client: BatchClient,
    private readonly jobQueue: string,
    private readonly runnableTimeoutMs: number,
    private readonly events: WatchEvents,
    /** Whether watching matters now (work to run, children starting). */
    private readonly wanted: () => boolean = () => true,
  ) {}

  add(job: SubmittedJob): void {
    this.#watched.push({ job, failedSeen: new Set(), failedCount: 0, over: false });
    this.hurry();
  }

  /** Watch closely again: something happened (a child went silent, work arrived). */
  hurry(): void {
    this.#interval = WATCH_FIRST_MS;
    this.#paused = false;
    if (this.#running || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  /** Work came back: watching goes on where it paused, at its back-off. */
  resume(): void {
    if (!this.#paused || this.#stopped) return;
    this.#paused = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#round(), ms);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    this.#running = true;
    let changed = false;
    try {
      changed = await this.#check();
    } catch (error) {
      // A watch round that fails (throttled, network) is simply tried again later.
      if (!isThrottled(error)) process.emitWarning(`batch: watching jobs failed: ${(error as Error)?.message}`, { code: "PARAZARR_BATCH_WATCH" });
      changed = false;
    }
    this.#running = false;
    this.#interval = changed ? WATCH_FIRST_MS : Math.min(WATCH_MAX_MS, this.#interval * 1.5);
    if (!this.#watched.some((w) => !w.over)) return;
    if (this.wanted()) this.#schedule(this.#interval);
    else this.#paused = true;
  }

  async #check(): Promise<boolean> {
    const live = this.#watched.filter((w) => !w.over);
    const details = await this.#describe(live.map((w) => w.job.jobId));
    let summary = "";
    for (const watched of live) {
      const detail = details.get(watched.job.jobId);
      if (detail === undefined || this.#stopped) continue;
      const counts = (detail.arrayProperties?.statusSummary ?? {}) as Record<string, number>;
      summary += `${detail.status}:${JSON.stringify(counts)};`;
      if (watched.job.size === 1) await this.#plainJob(watched, detail);
      else await this.#arrayJob(watched, detail, counts);
    }
    const changed = summary !== this.#summary;
    this.#summary = summary;
    return changed;
  }

  async #plainJob(watched: Watched, detail: JobDetail): Promise<void> {
    if (detail.status === "FAILED" && !watched.failedSeen.has(watched.job.jobId)) {
      watched.failedSeen.add(watched.job.jobId);
      this.events.childFailed(failedChild(watched.job.jobId, detail));
    }
    if (detail.status === "RUNNABLE") await this.#checkRunnable(watched, [detail]);
    if (detail.status === "SUCCEEDED" || detail.status === "FAILED") this.#over(watched);
  }

  async #arrayJob(watched: Watched, detail: JobDetail, counts: Record<string, number>): Promise<void> {
    const failed = counts.FAILED ?? 0;
    if (failed > watched.failedCount) {
      const ids = (await this.#list(watched.job.jobId, "FAILED")).filter((id) => !watched.failedSeen.has(id));
      const described = await this.#describe(ids);
      for (const id of ids) {
        const child = described.get(id);
        if (child === undefined) continue;
        watched.failedSeen.add(id);
        this.events.childFailed(failedChild(watched.job.jobId, child));
      }
      watched.failedCount = watched.failedSeen.size;
    }
    if ((counts.RUNNABLE ?? 0) > 0) {
      const ids = (await this.#list(watched.job.jobId, "RUNNABLE", 10)).slice(0, 10);
      await this.#checkRunnable(watched, [...(await this.#describe(ids)).values()]);
    }
    if (detail.status === "SUCCEEDED" || detail.status === "FAILED") this.#over(watched);
  }

  async #checkRunnable(watched: Watched, runnable: JobDetail[]): Promise<void> {
    const waited = performance.now() - watched.job.submittedAt;
    for (const child of runnable) {
      if (child.status !== "RUNNABLE") continue;
      const reason = child.statusReason;
      if (reason !== undefined && reason.startsWith("MISCONFIGURATION:")) {
        const error = new BatchJobError(
          `job ${child.jobId} on queue ${this.jobQueue} cannot run: ${reason} (Batch will not place it until the job definition or the queue's compute environments change)`,
          this.jobQueue,
          child.jobId,
          reason,
        );
        this.events.stuck(watched.job, error);
        return this.#over(watched);
      }
      if (waited > this.runnableTimeoutMs) {
        this.events.stuck(watched.job, new BatchCapacityError(this.jobQueue, child.jobId ?? watched.job.jobId, reason, waited));
        return this.#over(watched);
      }
    }
  }

  #over(watched: Watched): void {
    if (watched.over) return;
    watched.over = true;
    this.events.jobOver(watched.job);
  }

  async #describe(ids: readonly string[]): Promise<Map<string, JobDetail>> {
    const out = new Map<string, JobDetail>();
    for (let at = 0; at < ids.length; at += DESCRIBE_MAX_IDS) {
      const page = await this.#call(() => this.client.send(new this.sdk.DescribeJobsCommand({ jobs: ids.slice(at, at + DESCRIBE_MAX_IDS) })));
      for (const job of page.jobs ?? []) if (job.jobId !== undefined) out.set(job.jobId, job);
    }
    return out;
  }

  async #list(arrayJobId: string, jobStatus: "FAILED" | "RUNNABLE", limit = Infinity): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.#call(() => this.client.send(new this.sdk.ListJobsCommand({ arrayJobId, jobStatus, nextToken })));
      for (const job of page.jobSummaryList ?? []) if (job.jobId !== undefined) ids.push(job.jobId);
      nextToken = page.nextToken;
    } while (nextToken !== undefined && ids.length < limit);
    return ids;
  }

  /** Describe and list calls share the account's rate with everything else: throttled ones wait and go again. */
  #call<T>(send: () => Promise<T>): Promise<T> {
    return outlastThrottling(send);
  }
}

function failedChild(parentId: string, detail: JobDetail): FailedChild {
  const attempts = detail.attempts ?? [];
  const last = attempts[attempts.length - 1];
  return {
    parentId,
    index: detail.arrayProperties?.index ?? 0,
    attempt: Math.max(1, attempts.length),
    jobId: detail.jobId ?? parentId,
    statusReason: last?.statusReason ?? detail.statusReason,
    exitCode: last?.container?.exitCode ?? detail.container?.exitCode,
    started: attempts.length > 0 || detail.startedAt !== undefined,
  };
}
