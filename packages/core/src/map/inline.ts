/**
 * Adaptive inline execution: core's own small jobs (a read that touches
 * one chunk) run in the caller, because sending them to a worker costs more
 * than the work. They still go through the scheduler, so retries, progress,
 * cancellation and the errors raised are the same as on the plan's workers.
 *
 * Unlike `sequential()`, nothing is cloned: core's own tasks may write
 * straight into the caller's output. Never offered to user tasks, whose
 * arguments must stay cloneable for every plan.
 */
import type { Backend, BatchHooks } from "../backend.js";
import type { BatchMessage } from "../protocol.js";
import { runItem } from "../worker/runtime.js";

const WORKER = "main (inline)";

export const inlineBackend: Backend = {
  concurrency: 1,
  async runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    for (const item of batch.items) {
      if (hooks.signal.aborted) throw hooks.signal.reason;
      const env = { worker: WORKER, signal: hooks.signal };
      hooks.report(await runItem(hooks.localTask, item.index, item.input, item.attempt, env), WORKER);
    }
  },
  async close(): Promise<void> {},
};
