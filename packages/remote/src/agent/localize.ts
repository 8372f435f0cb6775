/**
 * Module URLs a worker thread cannot import as they are (`s3://…` on a
 * Batch child) are made local before the batch reaches the pool: each URL
 * is fetched once (the hook keeps `<hash>/<name>`, so a bundle's
 * `../<core hash>/core.mjs` resolves), and the batch is rewritten to the
 * `file:` URLs. Batches reach the pool in the order they arrived, so a
 * slow download does not let later batches overtake earlier ones.
 *
 * A batch cancelled while it waits never reaches the pool: it is answered
 * `batch-cancelled` at once (nothing of it ran). A module that cannot be
 * fetched fails the batch's items with that error, as a module that cannot
 * be imported does.
 */
import { toWireError, type BatchMessage } from "@parazarr/core/worker";
import type { FromAgent } from "../agent-protocol.js";

interface Waiting {
  readonly batch: BatchMessage;
  cancelled: boolean;
}

export class BatchLocalizer {
  readonly #urls = new Map<string, Promise<string>>();
  readonly #waiting = new Map<number, Waiting>();
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly localizeModule: (url: string) => Promise<string>,
    private readonly worker: string,
    private readonly send: (message: FromAgent) => void,
  ) {}

  localize(batch: BatchMessage, submit: (batch: BatchMessage) => void): void {
    const waiting: Waiting = { batch, cancelled: false };
    this.#waiting.set(batch.batchId, waiting);
    // Settled at once (a download that fails while earlier batches wait is no unhandled rejection), used in turn.
    const local = this.#rewrite(batch).then(
      (rewritten) => ({ rewritten }),
      (error: unknown) => ({ error }),
    );
    const step = async () => {
      const outcome = await local;
      if (!this.#over(waiting)) return;
      if ("rewritten" in outcome) submit(outcome.rewritten);
      else this.#fail(batch, outcome.error);
    };
    // In arrival order; a failed batch does not hold up the next.
    this.#chain = this.#chain.then(step, step);
  }

  /** Whether the batch was still waiting here (then it is answered as cancelled and dropped). */
  cancel(batchId: number): boolean {
    const waiting = this.#waiting.get(batchId);
    if (waiting === undefined) return false;
    this.#waiting.delete(batchId);
    waiting.cancelled = true;
    this.send({ type: "batch-cancelled", batchId });
    return true;
  }

  /** Takes the batch off the waiting list; false if it was cancelled meanwhile. */
  #over(waiting: Waiting): boolean {
    if (waiting.cancelled) return false;
    this.#waiting.delete(waiting.batch.batchId);
    return true;
  }

  async #rewrite(batch: BatchMessage): Promise<BatchMessage> {
    const [moduleUrl, setup] = await Promise.all([
      this.#local(batch.task.moduleUrl),
      Promise.all((batch.setup ?? []).map((url) => this.#local(url))),
    ]);
    const task = { ...batch.task, moduleUrl };
    return batch.setup === undefined ? { ...batch, task } : { ...batch, task, setup };
  }

  #local(url: string): Promise<string> {
    let local = this.#urls.get(url);
    if (local === undefined) {
      local = this.localizeModule(url);
      this.#urls.set(url, local);
      // A failed download is tried again by the next batch that needs it.
      local.catch(() => this.#urls.delete(url));
    }
    return local;
  }

  #fail(batch: BatchMessage, error: unknown): void {
    const wire = toWireError(error);
    const outcomes = batch.items.map((item) => ({ type: "error" as const, index: item.index, error: wire, workMs: 0 }));
    this.send({ type: "batch-result", batchId: batch.batchId, worker: this.worker, outcomes });
  }
}
