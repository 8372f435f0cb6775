import type { ResourceLimits } from "node:worker_threads";
import { definePlan, PlanError, type Plan, type PlanSpec } from "@parazarr/core/backend";
import { resolveOptions, type ResolvedOptions, type SlurmOptions } from "./options.js";
import { startSlurm } from "./start.js";

/**
 * Runs tasks as the tasks of one Slurm array job, with nothing installed
 * on the nodes but Node.js:
 *
 *     setPlan(slurm({ partition: "compute", workers: 64, stagingDir: "/scratch/me/parazarr",
 *                     setup: ["module load nodejs/20"] }));
 *
 * Each array task is one long-lived worker; `[slurm({…}), threads(4)]`
 * runs four threads in each (and asks Slurm for four CPUs per task).
 */
export function slurm(options: SlurmOptions): Plan {
  const resolved = resolveOptions(options);
  return definePlan({
    description: `slurm(${resolved.partition}, ${resolved.workers} worker${resolved.workers === 1 ? "" : "s"}${resolved.threadsPerWorker > 1 ? `, ${resolved.threadsPerWorker} threads each` : ""})`,
    ...jobPlan(resolved, undefined),
    nest: (inner: PlanSpec, innerDescription: string) => {
      const { threads, resourceLimits } = innerLevel(inner, innerDescription);
      return jobPlan({ ...resolved, threadsPerWorker: threads, cpusPerWorker: resolved.cpusPerWorker ?? threads }, resourceLimits);
    },
  });
}

function jobPlan(resolved: ResolvedOptions, resourceLimits: ResourceLimits | undefined) {
  return {
    capabilities: {
      inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: false, remote: true,
      sharedFilesystem: resolved.sharedFilesystem,
      // Measured on a loopback cluster: a batch's round trip over the task's TCP link is ≈ 1 ms; 5 covers a cluster network.
      dispatchMs: 5,
      elastic: true,
      persistentWorkers: true,
      cancelLatencyMs: 0,
      // sbatch to the first task connected (Slurm's scheduler cycle, Node's start) on an idle partition.
      startupMs: 20_000,
    },
    start: () => startSlurm(resolved, resourceLimits),
  };
}

/** Each task runs worker threads: threads(n) or sequential(); of threads' options only resourceLimits is honoured, others refused by name. */
function innerLevel(inner: PlanSpec, innerDescription: string): { threads: number; resourceLimits: ResourceLimits | undefined } {
  if (inner.backend !== "threads" && inner.backend !== "sequential") {
    throw new PlanError(`slurm: a task runs its work on worker threads, so the inner plan must be threads(n) or sequential(); got ${innerDescription}`, "plan");
  }
  const { resourceLimits, ...others } = (inner.options ?? {}) as { resourceLimits?: ResourceLimits };
  const refused = Object.keys(others);
  if (refused.length > 0) {
    throw new PlanError(`slurm: a task cannot honour option${refused.length > 1 ? "s" : ""} ${refused.join(", ")} of the inner plan ${innerDescription}`, refused[0]);
  }
  return { threads: inner.workers, resourceLimits };
}
