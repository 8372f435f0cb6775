import { availableParallelism } from "node:os";
import { definePlan, type Plan } from "@parazarr/core/backend";
import { describePlan, resolveOptions, type ProcessesOptions } from "./options.js";
import { ProcessPool } from "./pool.js";

/**
 * Runs tasks in `workers` local worker processes (default: one per core).
 * Each has its own heap and its own copy of every native or WASM library:
 * a task that leaks, runs out of heap or crashes a codec takes down one
 * worker, which is replaced, never the caller.
 *
 * The workers are node:cluster workers: they appear in `cluster.workers`
 * and in cluster's 'fork', 'online' and 'exit' events. A caller that runs its
 * own cluster and re-forks on every 'exit' should skip workers it did not
 * fork. The caller's `cluster.settings` are left as they were.
 */
export function processes(workers: number = availableParallelism(), options: ProcessesOptions = {}): Plan {
  const resolved = resolveOptions(workers, options);
  const plan = describePlan(resolved);
  const heap = resolved.maxOldGenerationSizeMb;
  return definePlan({
    description: plan,
    capabilities: { inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: false, remote: false },
    start: () =>
      ProcessPool.start(
        {
          plan,
          heapLimitMb: heap,
          env: resolved.env,
          execArgv: [...resolved.execArgv, ...(heap === undefined ? [] : [`--max-old-space-size=${heap}`])],
        },
        resolved.workers,
      ),
    spec: { backend: "processes", workers: resolved.workers, options: { ...options } },
  });
}
