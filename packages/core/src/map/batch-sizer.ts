/**
 * Picks how many items travel in one message. With `"auto"`, it measures
 * the work per item (reported by the worker) and the cost of a message
 * (wall time minus work, smallest seen, so queueing behind other batches
 * does not count) and sends just enough items per message that the message
 * cost stays under `OVERHEAD_SHARE` of the work.
 *
 * A backend that declares its dispatch cost (`capabilities.dispatchMs`)
 * gives the sizer its first estimate of the message cost, so only the first
 * batches (one per slot, to measure the work) are single items. The cost
 * also sets how long a batch may run: a batch is a unit of progress,
 * cancellation and retry, so on fast plans it stays at 100 ms of work, but
 * a message that costs a second on AWS Batch must carry ~50 s of work to
 * stay under 2 % (capped at 30 s, so a lost worker or a cancel never costs
 * more than that).
 */
export interface BatchObservation {
  items: number;
  workMs: number;
  wallMs: number;
}

const OVERHEAD_SHARE = 0.02;
const MIN_BATCH_WORK_MS = 100;
const MAX_BATCH_WORK_MS = 30_000;
// Inputs travel in the message: bound its size whatever the items cost.
const MAX_BATCH_ITEMS = 4096;
// Below this a task is "free"; it only bounds the division.
const MIN_ITEM_MS = 0.0002;

export class BatchSizer {
  #itemMs: number | undefined;
  #overheadMs: number;

  /**
   * `workers` is read at every batch: an elastic backend's (target)
   * concurrency may change while the map runs.
   */
  constructor(
    private readonly fixed: number | "auto",
    private readonly workers: () => number,
    declaredDispatchMs?: number,
  ) {
    this.#overheadMs = declaredDispatchMs ?? Number.POSITIVE_INFINITY;
  }

  /** The size of the next batch; `remaining` is known when the input has a length. */
  next(remaining: number | undefined): number {
    if (this.fixed !== "auto") return this.fixed;
    // Until one batch came back the work per item is unknown: a probe.
    if (this.#itemMs === undefined || !Number.isFinite(this.#overheadMs)) return 1;
    const itemMs = Math.max(this.#itemMs, MIN_ITEM_MS);
    const overheadMs = this.#overheadMs;
    const wanted = Math.ceil(overheadMs / (OVERHEAD_SHARE * itemMs));
    const workCapMs = Math.min(MAX_BATCH_WORK_MS, Math.max(MIN_BATCH_WORK_MS, overheadMs / OVERHEAD_SHARE));
    const byTime = Math.max(1, Math.floor(workCapMs / itemMs));
    return Math.max(1, Math.min(wanted, byTime, this.#byFairness(remaining, itemMs), MAX_BATCH_ITEMS));
  }

  /**
   * Leave work for every worker: never more than a share of what is left.
   * But never split off a batch whose work is less than its own dispatch:
   * on a plan whose message costs 500 ms, the tail of a map of cheap items
   * would otherwise go out as hundreds of one-item messages, each paying
   * the full dispatch to save a fraction of a millisecond of work.
   */
  #byFairness(remaining: number | undefined, itemMs: number): number {
    if (remaining === undefined) return MAX_BATCH_ITEMS;
    const share = Math.ceil(remaining / (2 * Math.max(1, this.workers())));
    const worthItsDispatch = Math.ceil(this.#overheadMs / itemMs);
    return Math.max(share, worthItsDispatch);
  }

  observe({ items, workMs, wallMs }: BatchObservation): void {
    if (items === 0) return;
    const itemMs = workMs / items;
    this.#itemMs = this.#itemMs === undefined ? itemMs : 0.7 * this.#itemMs + 0.3 * itemMs;
    // The smallest seen, the declared cost included: a first batch that also
    // waited for a worker to start says nothing about the next ones.
    this.#overheadMs = Math.min(this.#overheadMs, Math.max(0.001, wallMs - workMs));
  }
}
