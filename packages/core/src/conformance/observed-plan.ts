/**
 * A plan that runs everything on `inner` and records which worker ran each
 * task, as the worker itself reported it. A read or write that core runs
 * inline in the caller never reaches the plan's backend, so it records
 * nothing: a test named for a worker plan checks with this that its calls
 * really ran there. Not exported from the package; the repository's own
 * tests import it from dist.
 */
import type { Backend, BatchHooks } from "../backend.js";
import { definePlan, type Plan } from "../plan/plan.js";
import type { BatchMessage } from "../protocol.js";

export interface TaskRun {
  readonly task: string;
  readonly worker: string;
}

export interface ObservedPlan {
  readonly plan: Plan;
  /** Every task outcome a worker reported since the last reset, in order. */
  readonly runs: TaskRun[];
  /** The distinct workers that reported an outcome of `task` since the last reset. */
  workers(task: string): string[];
  /** Forgets what ran so far. */
  reset(): void;
}

export function observed(inner: Plan): ObservedPlan {
  const runs: TaskRun[] = [];
  const watch = (backend: Backend): Backend => ({
    get concurrency() {
      return backend.concurrency;
    },
    // An elastic backend's target and its changes, passed on as they are.
    get targetConcurrency() {
      return backend.targetConcurrency;
    },
    ...(backend.onConcurrencyChange && { onConcurrencyChange: (listener: () => void) => backend.onConcurrencyChange!(listener) }),
    runBatch(batch: BatchMessage, hooks: BatchHooks) {
      return backend.runBatch(batch, {
        ...hooks,
        report(outcome, worker) {
          runs.push({ task: batch.task.name, worker });
          hooks.report(outcome, worker);
        },
      });
    },
    close: () => inner.close(),
  });
  const plan = definePlan({
    description: String(inner),
    capabilities: inner.capabilities,
    ...(inner.spec === undefined ? {} : { spec: inner.spec }),
    start: async () => watch(await inner.acquire()),
  });
  const workers = (task: string) => [...new Set(runs.filter((run) => run.task === task).map((run) => run.worker))];
  return { plan, runs, workers, reset: () => void runs.splice(0) };
}
