import type { Backend, BatchHooks } from "../backend.js";
import type { BatchMessage } from "../protocol.js";
import { cloneError } from "../task/clone.js";
import { collectGivenAway } from "../worker/transfer.js";
import { runItem } from "../worker/runtime.js";
import { toWireError } from "../worker/wire-error.js";
import { definePlan, type Plan } from "./plan.js";

/**
 * Runs every task in the caller, one at a time. Inputs and results still go
 * through structured clone, exactly as they would on their way to a worker:
 * a script that works sequentially works on every plan, and a task never
 * sees (or mutates) the caller's own objects.
 */
class InProcessBackend implements Backend {
  readonly concurrency = 1;

  async runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    for (const item of batch.items) {
      if (hooks.signal.aborted) throw hooks.signal.reason;
      // Throws a DataCloneError, as postMessage would; the scheduler names the input.
      const input = structuredClone(item.input);
      const env = { worker: "main", signal: hooks.signal };
      const outcome = await runItem(hooks.localTask, item.index, input, item.attempt, env);
      if (outcome.type === "error") {
        hooks.report(outcome, env.worker);
        continue;
      }
      let value: unknown;
      try {
        // Moves only what the task gave away (transfer()), as a worker would; the rest is copied.
        value = structuredClone(outcome.value, { transfer: collectGivenAway(outcome.value) });
      } catch {
        const error = toWireError(cloneError(item.index, outcome.value, "result"));
        hooks.report({ type: "error", index: item.index, error, workMs: outcome.workMs }, env.worker);
        continue;
      }
      hooks.report({ ...outcome, value }, env.worker);
    }
  }

  async close(): Promise<void> {}
}

export function sequential(): Plan {
  return definePlan({
    description: "sequential()",
    capabilities: {
      inProcess: true,
      survivesCrash: false,
      preemptsRunning: false,
      sharedMemory: true,
      remote: false,
    },
    start: async () => new InProcessBackend(),
    spec: { backend: "sequential", workers: 1 },
  });
}
