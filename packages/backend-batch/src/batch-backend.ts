/**
 * The started batch plan: its children, and the one queue in front of them.
 *
 * Pull scheduling, as on ssh: `runBatch` only queues a batch; a child takes
 * the next one when it has a free slot (two per worker thread: one
 * running, one waiting in its mailbox, so a thread never idles for a round
 * trip through S3). A slow child frees slots slowly and simply gets less.
 *
 * Elastic. Children join as they start (their `ready` in `hello/`), and
 * leave when lost or idle: `concurrency` is the live children's threads,
 * `targetConcurrency` what was asked for, and listeners hear every change,
 * so core's scheduler queues batches here while no child is up yet.
 *
 * A lost child (Batch says FAILED — a spot reclaim, exit 137 out of memory,
 * a terminated host — or it went silent while busy) rejects its batches
 * with core's WorkerLostError, carrying Batch's statusReason, the exit code
 * and the tail of the child's output: core's retry policy decides, as for a
 * crashed process. When no child is left and none is starting, a queued
 * batch asks for replacements (at most REPLACEMENT_FACTOR × workers
 * children in all, so a child that cannot start never loops); past that,
 * batches fail with a BatchJobError that lists every loss.
 */
import { match } from "ts-pattern";
import { WorkerLostError, type Backend, type BatchHooks, type BatchMessage } from "@parazarr/core/backend";
import type { Shipper } from "@parazarr/remote";
import type { FromAgent } from "@parazarr/remote/agent";
import type { ChildLink } from "./child-link.js";
import { BatchJobError } from "./errors.js";

export const SLOTS_PER_WORKER = 2;
export const REPLACEMENT_FACTOR = 3;

interface Job {
  readonly wireId: number;
  readonly batch: BatchMessage;
  readonly hooks: BatchHooks;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
  link: ChildLink | undefined;
  settled: boolean;
  cancelled: boolean;
}

/** What the backend asks of the part that owns the jobs (start.ts). */
export interface ChildSupply {
  /** Children submitted and neither started nor failed yet. */
  readonly starting: number;
  /** Children submitted so far, in all, less those that left idle (they gave their place back). */
  readonly submitted: number;
  /** Asks Batch for `count` more children. */
  submitMore(count: number): void;
  /** Why children were lost or could not start, for the error when none is left. */
  readonly losses: readonly string[];
  /** A reason no more children will come (a stuck queue, a misconfiguration), once there is one. */
  readonly fatal: Error | undefined;
}

export class BatchBackend implements Backend {
  readonly #queue: Job[] = [];
  readonly #links = new Set<ChildLink>();
  readonly #assigned = new Map<ChildLink, Map<number, Job>>();
  readonly #listeners = new Set<() => void>();
  #nextWireId = 1;
  #closed = false;
  /** Held (a ref'd timer) while a batch waits or runs: see #holdWhileBusy. */
  #hold: NodeJS.Timeout | undefined;
  #lastConcurrency = 0;

  constructor(
    private readonly shipper: Shipper,
    private readonly supply: ChildSupply,
    /** Children asked for, and threads per child (0: unknown until one starts). */
    private readonly target: { readonly children: number; readonly threads: number },
    private readonly jobQueue: string,
  ) {}

  get concurrency(): number {
    let sum = 0;
    for (const link of this.#links) if (link.lost === undefined) sum += link.workers;
    return sum;
  }

  get targetConcurrency(): number {
    const threads = this.target.threads > 0 ? this.target.threads : ([...this.#links][0]?.workers ?? 1);
    return Math.max(this.concurrency, this.target.children * threads);
  }

  onConcurrencyChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether batches wait or run: the mailbox polls and the hello listing hold the caller's event loop only then. */
  get busy(): boolean {
    return this.#queue.length > 0 || [...this.#assigned.values()].some((jobs) => jobs.size > 0);
  }

  /** Whether the coordinator expects something from this child. */
  expecting(link: ChildLink): boolean {
    return (this.#assigned.get(link)?.size ?? 0) > 0;
  }

  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    if (hooks.signal.aborted) return Promise.reject(hooks.signal.reason);
    if (this.#closed) return Promise.reject(new Error("the batch plan was closed"));
    const unavailable = this.#unavailable();
    if (unavailable !== undefined) return Promise.reject(unavailable);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.#abort(job);
      const job: Job = {
        wireId: this.#nextWireId++,
        batch,
        hooks,
        resolve,
        reject,
        detach: () => hooks.signal.removeEventListener("abort", onAbort),
        link: undefined,
        settled: false,
        cancelled: false,
      };
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** A child said it is ready. */
  addChild(link: ChildLink): void {
    if (this.#closed) {
      void link.shutdown();
      return;
    }
    this.#links.add(link);
    this.#assigned.set(link, new Map());
    this.#pump();
  }

  get links(): readonly ChildLink[] {
    return [...this.#links];
  }

  /** The supply changed (a child could not start, the queue is stuck): batches may have nowhere left to go. */
  supplyChanged(): void {
    this.#pump();
  }

  /** Rejects what is queued and running; the caller (start.ts) stops the children. */
  close(): Promise<void> {
    this.#closed = true;
    const closing = new Error("the batch plan was closed");
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(closing));
    for (const jobs of this.#assigned.values()) for (const job of [...jobs.values()]) this.#settle(job, () => job.reject(closing));
    this.#holdWhileBusy();
    return Promise.resolve();
  }

  #liveLinks(): ChildLink[] {
    return [...this.#links].filter((link) => link.lost === undefined);
  }

  /** Why no batch can run now or later, if so. */
  #unavailable(): Error | undefined {
    if (this.#liveLinks().length > 0 || this.supply.starting > 0) return undefined;
    if (this.supply.fatal !== undefined) return this.supply.fatal;
    if (this.supply.submitted < REPLACEMENT_FACTOR * this.target.children) return undefined;
    const list = this.supply.losses.slice(-10).join("; ");
    return new BatchJobError(
      `no child is left on queue ${this.jobQueue} and no more are started (${this.supply.submitted} submitted in all, at most ${REPLACEMENT_FACTOR}× workers): ${list || "no reason recorded"}`,
      this.jobQueue,
      undefined,
      undefined,
    );
  }

  #pump(): void {
    this.#replaceIfNeeded();
    const unavailable = this.#queue.length > 0 ? this.#unavailable() : undefined;
    if (unavailable !== undefined) {
      for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(unavailable));
    }
    this.#sendQueued();
    this.#concurrencyMayHaveChanged();
    this.#holdWhileBusy();
  }

  /**
   * A batch that waits or runs keeps the caller's process alive, whatever
   * it waits on: a child starting, a poll's back-off, an upload. The
   * mailbox, hello and watch timers are unref'd so that an idle plan never
   * holds a script open; without this hold, Node ended a script whose
   * batch waited between two of them with exit code 13 (an unsettled
   * top-level await).
   */
  #holdWhileBusy(): void {
    const busy = !this.#closed && this.busy;
    if (busy && this.#hold === undefined) this.#hold = setInterval(() => {}, 2 ** 30);
    else if (!busy && this.#hold !== undefined) {
      clearInterval(this.#hold);
      this.#hold = undefined;
    }
  }

  /** Children that left (idle, lost) are replaced while work waits for them. */
  #replaceIfNeeded(): void {
    if (this.#closed || this.#queue.length === 0 || this.supply.fatal !== undefined) return;
    const have = this.#liveLinks().length + this.supply.starting;
    const room = REPLACEMENT_FACTOR * this.target.children - this.supply.submitted;
    const want = Math.min(this.target.children - have, room);
    if (want > 0) this.supply.submitMore(want);
  }

  #sendQueued(): void {
    while (this.#queue.length > 0) {
      let best: { link: ChildLink; free: number } | undefined;
      for (const link of this.#liveLinks()) {
        const free = link.workers * SLOTS_PER_WORKER - (this.#assigned.get(link)?.size ?? 0);
        if (free > 0 && (best === undefined || free / link.workers > best.free / best.link.workers)) best = { link, free };
      }
      if (best === undefined) return;
      this.#send(best.link, this.#queue.shift() as Job);
    }
  }

  #send(link: ChildLink, job: Job): void {
    const assigned = this.#assigned.get(link) as Map<number, Job>;
    if (assigned.size === 0) link.wake();
    job.link = link;
    assigned.set(job.wireId, job);
    const stillHere = () => !job.settled && !job.cancelled && job.link === link && link.lost === undefined;
    this.shipper.shipBatch(job.batch).then(
      (shipped) => {
        if (!stillHere()) {
          if (job.cancelled && job.link === link) this.#cancelOver(job);
          return;
        }
        link.send({ ...shipped, batchId: job.wireId });
      },
      (error: unknown) => {
        if (!stillHere()) return;
        // A bundling failure is the task's; an upload failure is S3's: both end this batch, not the child.
        this.#settle(job, () => job.reject(error));
        this.#pump();
      },
    ).catch((error: unknown) => {
      // link.send threw: a DataCloneError (an input v8 cannot serialize) is this batch's alone.
      if (!stillHere()) return;
      this.#settle(job, () => job.reject(error));
      this.#pump();
    });
  }

  #abort(job: Job): void {
    if (job.settled || job.cancelled) return;
    const link = job.link;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (link === undefined) {
      this.#settle(job, () => job.reject(job.hooks.signal.reason));
      this.#pump();
      return;
    }
    // The child fires the task's signal, and ends its thread when core says
    // stop (one grace period later). The batch keeps its slot until the
    // child says it is over: its task may still be storing chunks.
    job.cancelled = true;
    link.send({ type: "cancel", batchId: job.wireId });
    const stop = () => link.send({ type: "stop", batchId: job.wireId });
    if (job.hooks.stop.aborted) stop();
    else job.hooks.stop.addEventListener("abort", stop, { once: true });
  }

  #cancelOver(job: Job): void {
    this.#settle(job, () => job.reject(job.hooks.signal.reason));
    this.#pump();
  }

  #settle(job: Job, finish: () => void): void {
    if (job.settled) return;
    job.settled = true;
    job.detach();
    if (job.link !== undefined) this.#assigned.get(job.link)?.delete(job.wireId);
    job.link = undefined;
    finish();
    this.#holdWhileBusy();
  }

  /** From a child's mailbox. */
  onMessage(link: ChildLink, message: FromAgent): void {
    match(message)
      .with({ type: "batch-result" }, (result) => {
        // Unknown ids are late answers to cancelled batches: dropped.
        const job = this.#assigned.get(link)?.get(result.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        this.#settle(job, () => {
          for (const outcome of result.outcomes) job.hooks.report(outcome, result.worker);
          job.resolve();
        });
        this.#pump();
      })
      .with({ type: "batch-cancelled" }, ({ batchId }) => {
        const job = this.#assigned.get(link)?.get(batchId);
        if (job !== undefined) this.#cancelOver(job);
      })
      .with({ type: "worker-lost" }, (lost) => {
        const job = this.#assigned.get(link)?.get(lost.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        const details = lost.exitCode !== undefined ? { exitCode: lost.exitCode } : {};
        this.#settle(job, () => job.reject(new WorkerLostError(lost.reason, lost.worker, details)));
        this.#pump();
      })
      .with({ type: "fatal" }, (fatal) => link.lose(`its agent failed: ${fatal.error.message}`))
      .with({ type: "ready" }, () => {}) // in hello/, handled by start.ts
      .exhaustive();
  }

  /**
   * A child is gone: its batches are core's to retry. One that left idle
   * (`left`) never read what was sent to it after its last answer: those
   * batches go back to the front of the queue, no attempt spent.
   */
  onLost(link: ChildLink, reason: string, details: { exitCode?: number }, left = false): void {
    const jobs = [...(this.#assigned.get(link)?.values() ?? [])];
    this.#assigned.delete(link);
    this.#links.delete(link);
    const unread: Job[] = [];
    for (const job of jobs) {
      job.link = undefined;
      if (job.cancelled) this.#settle(job, () => job.reject(job.hooks.signal.reason));
      else if (left && !this.#closed) unread.push(job);
      else this.#settle(job, () => job.reject(new WorkerLostError(reason, link.label, details)));
    }
    this.#queue.unshift(...unread);
    if (!left && !this.#closed && jobs.length > 0) {
      process.emitWarning(`batch: ${link.label} was lost: ${reason}. Its ${jobs.length} batch(es) go back to core's retries`, { code: "PARAZARR_BATCH_CHILD_LOST" });
    }
    this.#pump();
  }

  #concurrencyMayHaveChanged(): void {
    const now = this.concurrency;
    if (now === this.#lastConcurrency) return;
    this.#lastConcurrency = now;
    for (const listener of [...this.#listeners]) listener();
  }
}
