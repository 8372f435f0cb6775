/**
 * Picks how many items travel in one message. With `"auto"`, it measures
 * the work per item (reported by the worker) and the cost of a message
 * (wall time minus work, smallest seen, so queueing behind other batches
 * does not count) and sends just enough items per message that the message
 * cost stays under `overheadShare` of the work.
 */
export interface BatchObservation {
  items: number;
  workMs: number;
  wallMs: number;
}

const OVERHEAD_SHARE = 0.02;
// A batch is also a unit of progress, cancellation and retry: keep it short.
const MAX_BATCH_WORK_MS = 100;
const MAX_BATCH_ITEMS = 4096;
// Below this a task is "free"; it only bounds the division.
const MIN_ITEM_MS = 0.0002;

export class BatchSizer {
  #itemMs: number | undefined;
  #overheadMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly fixed: number | "auto",
    private readonly concurrency: number,
  ) {}

  /** The size of the next batch; `remaining` is known when the input has a length. */
  next(remaining: number | undefined): number {
    if (this.fixed !== "auto") return this.fixed;
    if (this.#itemMs === undefined || !Number.isFinite(this.#overheadMs)) return 1;
    const itemMs = Math.max(this.#itemMs, MIN_ITEM_MS);
    const wanted = Math.ceil(this.#overheadMs / (OVERHEAD_SHARE * itemMs));
    const byTime = Math.max(1, Math.floor(MAX_BATCH_WORK_MS / itemMs));
    // Leave work for every worker: never more than a share of what is left.
    const byFairness = remaining === undefined ? MAX_BATCH_ITEMS : Math.ceil(remaining / (2 * this.concurrency));
    return Math.max(1, Math.min(wanted, byTime, byFairness, MAX_BATCH_ITEMS));
  }

  observe({ items, workMs, wallMs }: BatchObservation): void {
    if (items === 0) return;
    const itemMs = workMs / items;
    this.#itemMs = this.#itemMs === undefined ? itemMs : 0.7 * this.#itemMs + 0.3 * itemMs;
    this.#overheadMs = Math.min(this.#overheadMs, Math.max(0.001, wallMs - workMs));
  }
}
