/**
 * The scheduler: the one place where batching, bounded in-flight work,
 * retries, progress, cancellation and failure policy live. Backends only
 * run batches; everything a user sets in `MapOptions` is carried out here.
 */
import { isWorkerLostError, sizingConcurrency, type Backend, type WorkerLostError } from "../backend.js";
import { AbortError, TaskError, WorkerCrashedError, isTransient, type TaskErrorDetails } from "../errors.js";
import type { Plan } from "../plan/plan.js";
import type { ItemOutcome, WorkItem } from "../protocol.js";
import { canClone, cloneError } from "../task/clone.js";
import { setupModules } from "../task/setup.js";
import type { Task } from "../task/task.js";
import { fromWireError } from "../worker/wire-error.js";
import { retryDelayMs } from "./backoff.js";
import { BatchSizer } from "./batch-sizer.js";
import type { ResolvedOptions } from "./options.js";
import { Wake } from "./wake.js";

export type MapEvent<R> = { index: number; value: R } | { index: number; error: TaskError };

/** Where finished items go; `full` pauses dispatch (the consumer is behind). */
export interface EventSink<R> {
  push(event: MapEvent<R>): void;
  readonly full: boolean;
}

interface InFlightBatch {
  readonly controller: AbortController;
  /** Aborted one grace period after `controller` (see BatchHooks.stop). */
  readonly stop: AbortController;
  readonly pending: Map<number, WorkItem>;
  /** Settles once the backend's call for this batch has settled (set right after dispatch). */
  done: Promise<void>;
}

type Inputs = Iterator<unknown> | AsyncIterator<unknown>;

// Unique across every map of the process: two maps can share a plan (and a
// worker), and a backend must be able to tell their batches apart.
let nextBatchId = 1;

export class Scheduler<R> {
  readonly #wake = new Wake();
  readonly #sizer: BatchSizer;
  // Every batch until its backend call has settled, cancelled ones too (see settled()).
  readonly #inFlight = new Map<number, InFlightBatch>();
  readonly #retryReady: WorkItem[] = [];
  // Items of a lost multi-item batch, to run one per batch: only the one
  // that really kills its worker should be charged an attempt.
  readonly #isolate: WorkItem[] = [];
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  readonly #perWorker: number;
  #nextIndex = 0;
  #inputsDone = false;
  #total: number | undefined;
  #done = 0;
  #failed = 0;
  #fatal: { error: unknown } | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly backend: Backend,
    private readonly task: Task,
    private readonly inputs: Inputs,
    knownTotal: number | undefined,
    private readonly options: ResolvedOptions,
    private readonly sink: EventSink<R>,
  ) {
    this.#total = knownTotal;
    this.#sizer = new BatchSizer(options.batchSize, () => sizingConcurrency(backend), plan.capabilities.dispatchMs);
    // In-process plans run one batch at a time; others keep a second batch
    // queued per worker so no worker waits for the scheduler between batches.
    this.#perWorker = plan.capabilities.inProcess ? 1 : 2;
  }

  /**
   * Read at every fill: an elastic backend's concurrency changes while the
   * map runs. Never below one batch: a backend at 0 (its workers have not
   * started yet) queues it until a worker arrives; holding it back instead
   * would wait for ever for a worker that waits for work.
   */
  #maxInFlight(): number {
    return Math.max(1, this.backend.concurrency * this.#perWorker);
  }

  /** Resolves when every input has finished; rejects with the first fatal error. */
  async run(): Promise<void> {
    const signal = this.options.signal;
    const onAbort = () => this.cancel(new AbortError("map was aborted", { cause: signal?.reason }));
    // Throws PlanClosedError when the plan was closed while this map started.
    const detach = this.plan.attach(this.backend, this);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    // A worker that arrives is filled at once, not at the next finished batch.
    const unsubscribe = this.backend.onConcurrencyChange?.(() => this.#wake.notify());
    try {
      for (;;) {
        this.#throwIfFatal();
        await this.#fill();
        this.#throwIfFatal();
        if (this.#complete()) return;
        await this.#wake.wait();
      }
    } finally {
      detach();
      unsubscribe?.();
      signal?.removeEventListener("abort", onAbort);
      this.#stopEverything();
      // Let a generator given as input run its own `finally` blocks.
      if (!this.#inputsDone) await this.inputs.return?.();
    }
  }

  /**
   * Resolves once no batch of this run is still running on a backend. `run`
   * rejects at once on cancel or fail-fast; a caller that must know no task
   * of it still writes (chunk ownership across writes) waits for this too.
   */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight.values()].map((batch) => batch.done));
  }

  /** How many inputs there were (known once the input is exhausted). */
  get total(): number | undefined {
    return this.#total;
  }

  /** The consumer took events: dispatch may go on. */
  resume(): void {
    this.#wake.notify();
  }

  /** Stops the run: queued work is dropped, running batches are cancelled. */
  cancel(error: unknown): void {
    this.#fatal ??= { error };
    this.#stopEverything();
    this.#wake.notify();
  }

  #throwIfFatal(): void {
    if (this.#fatal) throw this.#fatal.error;
  }

  #complete(): boolean {
    return (
      this.#inputsDone &&
      this.#inFlight.size === 0 &&
      this.#retryReady.length === 0 &&
      this.#isolate.length === 0 &&
      this.#retryTimers.size === 0
    );
  }

  async #fill(): Promise<void> {
    while (!this.#fatal && this.#inFlight.size < this.#maxInFlight() && !this.sink.full) {
      const remaining = this.#total === undefined ? undefined : this.#total - this.#nextIndex + this.#retryReady.length;
      const items = await this.#takeItems(this.#sizer.next(remaining));
      if (items.length === 0 || this.#fatal) return;
      this.#dispatch(items);
    }
  }

  async #takeItems(count: number): Promise<WorkItem[]> {
    const suspect = this.#isolate.shift();
    if (suspect !== undefined) return [suspect];
    const items = this.#retryReady.splice(0, count);
    while (items.length < count && !this.#inputsDone) {
      const next = await this.inputs.next();
      if (next.done) {
        this.#inputsDone = true;
        this.#total = this.#nextIndex;
        break;
      }
      items.push({ index: this.#nextIndex++, input: next.value, attempt: 1 });
    }
    return items;
  }

  #dispatch(items: WorkItem[]): void {
    const batchId = nextBatchId++;
    const controller = new AbortController();
    const stop = new AbortController();
    const pending = new Map(items.map((item) => [item.index, item]));
    // In the map before the backend is called: a report made during the call may cancel the run, and with it this batch.
    const batch: InFlightBatch = { controller, stop, pending, done: Promise.resolve() };
    this.#inFlight.set(batchId, batch);
    const started = performance.now();
    let workMs = 0;
    let lastWorker = "a worker";
    const report = (outcome: ItemOutcome, worker: string) => {
      lastWorker = worker;
      const item = pending.get(outcome.index);
      if (item === undefined || controller.signal.aborted) return;
      pending.delete(outcome.index);
      workMs += outcome.workMs;
      this.#settle(item, outcome, worker);
    };
    const setup = setupModules();
    const task = { moduleUrl: this.task.moduleUrl, name: this.task.name };
    const message = { type: "batch" as const, batchId, task, items, ...(setup.length > 0 ? { setup } : {}) };
    let running: Promise<void>;
    try {
      running = this.backend.runBatch(message, { signal: controller.signal, stop: stop.signal, report, localTask: this.task });
    } catch (error) {
      running = Promise.reject(error);
    }
    batch.done = running
      .then(
        () => {
          if (!controller.signal.aborted && pending.size > 0) {
            this.#batchFailed(pending, new Error(`the backend finished batch ${batchId} without reporting every item`), lastWorker);
          }
        },
        (error: unknown) => {
          if (!controller.signal.aborted) this.#batchFailed(pending, error, lastWorker);
        },
      )
      .finally(() => {
        this.#inFlight.delete(batchId);
        this.#sizer.observe({ items: items.length, workMs, wallMs: performance.now() - started });
        this.#wake.notify();
      });
  }

  #batchFailed(pending: Map<number, WorkItem>, error: unknown, worker: string): void {
    const items = [...pending.values()];
    pending.clear();
    if (error instanceof Error && error.name === "DataCloneError") {
      // postMessage (or structuredClone) refused an input: find which one.
      const culprit = items.find((item) => !canClone(item.input)) ?? items[0];
      if (culprit) this.cancel(cloneError(culprit.index, culprit.input, "input"));
      return;
    }
    if (isWorkerLostError(error) && items.length > 1) {
      this.#isolate.push(...items);
      return;
    }
    for (const item of items) {
      if (isWorkerLostError(error)) this.#crashed(item, error);
      else this.#failFinally(new TaskError(this.#details(item, worker), error));
    }
  }

  #settle(item: WorkItem, outcome: ItemOutcome, worker: string): void {
    if (outcome.type === "value") {
      this.#done++;
      this.sink.push({ index: item.index, value: outcome.value as R });
      this.#progress();
      return;
    }
    const cause = fromWireError(outcome.error);
    if (isTransient(cause) && this.#retry(item)) return;
    this.#failFinally(new TaskError(this.#details(item, worker), cause));
  }

  #crashed(item: WorkItem, lost: WorkerLostError): void {
    if (this.#retry(item)) return;
    this.#failFinally(
      new WorkerCrashedError(this.#details(item, lost.worker), { worker: lost.worker, reason: lost.reason, ...lost.details }),
    );
  }

  /** Schedules another attempt if one is left; says whether it did. */
  #retry(item: WorkItem): boolean {
    if (item.attempt > this.options.retries) return false;
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.#retryReady.push({ ...item, attempt: item.attempt + 1 });
      this.#wake.notify();
    }, retryDelayMs(item.attempt, this.options.retryDelayMs));
    this.#retryTimers.add(timer);
    return true;
  }

  #failFinally(error: TaskError): void {
    this.#done++;
    this.#failed++;
    if (this.options.errors === "collect") {
      this.sink.push({ index: error.index, error });
      this.#progress();
      return;
    }
    this.#progress();
    this.cancel(error);
  }

  #details(item: WorkItem, worker: string): TaskErrorDetails {
    return {
      task: this.task.name,
      index: item.index,
      plan: String(this.plan),
      worker,
      attempt: item.attempt,
      attempts: this.options.retries + 1,
    };
  }

  #progress(): void {
    const onProgress = this.options.onProgress;
    if (onProgress === undefined) return;
    try {
      onProgress({ done: this.#done, failed: this.#failed, total: this.#total });
    } catch (error) {
      this.cancel(error);
    }
  }

  #stopEverything(): void {
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    this.#retryReady.length = 0;
    this.#isolate.length = 0;
    for (const batch of this.#inFlight.values()) this.#cancelBatch(batch, this.#fatal?.error);
  }

  /**
   * The cancellation policy, once for every plan: the batch's signal fires
   * now (the backend passes it on to the task's ctx.signal), its `stop`
   * one grace period later (the backend ends what still runs). The timer
   * does not hold the event loop: a script that is otherwise done exits,
   * and its workers with it. (Scheduled here rather than from an abort
   * listener: a listener per batch costs microseconds on every batch.)
   */
  #cancelBatch({ controller, stop }: InFlightBatch, reason: unknown): void {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    const graceMs = this.options.cancelGraceMs;
    if (graceMs === 0) stop.abort(reason);
    else setTimeout(() => stop.abort(reason), graceMs).unref();
  }
}
