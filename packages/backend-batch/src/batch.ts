import type { ResourceLimits } from "node:worker_threads";
import { definePlan, PlanError, type Capabilities, type Plan, type PlanSpec } from "@parazarr/core/backend";
import { resolveOptions, type BatchOptions, type ResolvedOptions } from "./options.js";
import { WATCH_MAX_MS } from "./watcher.js";

/**
 * Runs tasks on AWS Batch array-job children, with nothing in the image but
 * Node.js:
 *
 *     setPlan(batch({ jobQueue: "parazarr-spot", staging: "s3://my-bucket/parazarr", workers: 8 }));
 *
 * Each child is a long-lived worker (it pays its start-up once per plan);
 * code, messages and logs go through S3 under `staging`. Stores travel as
 * URLs: children must reach the data themselves (s3:// with their job role).
 */
export function batch(options: BatchOptions): Plan {
  const resolved = resolveOptions(options);
  const region = resolved.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "default region";
  return definePlan({
    description: `batch(${resolved.jobQueue}, ${region}, ${resolved.workers} worker${resolved.workers === 1 ? "" : "s"})`,
    ...childPlan(resolved),
    // `[batch({ … }), threads(4)]`: each child's agent runs the inner level.
    nest: (inner: PlanSpec, innerDescription: string) => childPlan({ ...resolved, ...innerLevel(inner, innerDescription) }),
  });
}

/**
 * What the plan declares, from its options. A child's start is the wait
 * for capacity (bounded by runnableTimeoutMs, then an error) plus pulling
 * the image and starting Node (CHILD_START_MS, a minute on real Batch).
 * A message waits for at most one poll on each side (pollMs) plus S3's own
 * round trips; a cancel reaches a running task within one child poll.
 */
export const CHILD_START_MS = 60_000;
const S3_ROUND_TRIP_MS = 50;

export function capabilitiesOf(options: ResolvedOptions): Capabilities {
  return {
    inProcess: false,
    survivesCrash: true,
    preemptsRunning: true,
    sharedMemory: false,
    remote: true,
    sharedFilesystem: options.sharedFilesystem,
    elastic: true,
    persistentWorkers: true,
    dispatchMs: 2 * (options.pollMs / 2 + S3_ROUND_TRIP_MS) + 2 * S3_ROUND_TRIP_MS,
    cancelLatencyMs: options.pollMs + 2 * S3_ROUND_TRIP_MS,
    startupMs: options.runnableTimeoutMs + CHILD_START_MS + WATCH_MAX_MS,
  };
}

function childPlan(resolved: ResolvedOptions) {
  return {
    capabilities: capabilitiesOf(resolved),
    start: async () => (await import("./run.js")).startRun(resolved),
  };
}

/**
 * A child's agent runs worker threads: the inner level can be threads(n),
 * or sequential() as one thread. Of threads' options it honours
 * resourceLimits; any other is refused by name, never dropped.
 */
function innerLevel(inner: PlanSpec, innerDescription: string): Pick<ResolvedOptions, "threadsPerChild" | "threadResourceLimits"> {
  if (inner.backend !== "threads" && inner.backend !== "sequential") {
    throw new PlanError(`batch: a child runs its tasks on worker threads, so the inner plan must be threads(n) or sequential(); got ${innerDescription}`, "plan");
  }
  const { resourceLimits, ...others } = (inner.options ?? {}) as { resourceLimits?: ResourceLimits };
  const refused = Object.keys(others);
  if (refused.length > 0) {
    throw new PlanError(`batch: a child cannot honour option${refused.length > 1 ? "s" : ""} ${refused.join(", ")} of the inner plan ${innerDescription}`, refused[0]);
  }
  return { threadsPerChild: inner.workers, threadResourceLimits: resourceLimits };
}
