import type { ResourceLimits } from "node:worker_threads";
import { definePlan, PlanError, type Plan, type PlanSpec } from "@parazarr/core/backend";
import { resolveOptions, type ResolvedOptions, type SshOptions } from "./options.js";
import { startSsh } from "./start.js";

/**
 * Runs tasks on SSH hosts, with nothing installed there but Node.js:
 *
 *     setPlan(ssh({ hosts: ["me@node1", "me@node2:2222"], privateKey: "~/.ssh/id_ed25519" }));
 *
 * Task modules are bundled and shipped to each host (cached by content
 * hash); stores travel as URLs, so each host must reach the data itself
 * (HTTP, S3, or a shared filesystem listed in `sharedFilesystem`).
 */
export function ssh(options: SshOptions): Plan {
  const resolved = resolveOptions(options);
  const hosts = resolved.hosts.map((h) => h.label).join(", ");
  const workers = resolved.workersPerHost === undefined ? "" : `, ${resolved.workersPerHost} workers each`;
  return definePlan({
    description: `ssh(${hosts}${workers})`,
    ...hostPlan(resolved),
    // `[ssh({ hosts }), threads(4)]`: each host's agent runs the inner level.
    nest: (inner: PlanSpec, innerDescription: string) => hostPlan({ ...resolved, ...innerLevel(inner, innerDescription) }),
  });
}

function hostPlan(resolved: ResolvedOptions) {
  return {
    capabilities: {
      inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: false, remote: true,
      sharedFilesystem: resolved.sharedFilesystem,
    },
    start: () => startSsh(resolved),
  };
}

/**
 * The agent on each host runs worker threads: it can be threads(n), or
 * sequential() as one thread. Of threads' options it honours
 * resourceLimits (each agent thread gets them); any other option is
 * refused by name, never dropped.
 */
function innerLevel(inner: PlanSpec, innerDescription: string): Pick<ResolvedOptions, "workersPerHost" | "threadResourceLimits"> {
  if (inner.backend !== "threads" && inner.backend !== "sequential") {
    throw new PlanError(
      `ssh: a host runs its tasks on worker threads, so the inner plan must be threads(n) or sequential(); got ${innerDescription}`,
      "plan",
    );
  }
  const { resourceLimits, ...others } = (inner.options ?? {}) as { resourceLimits?: ResourceLimits };
  const refused = Object.keys(others);
  if (refused.length > 0) {
    throw new PlanError(
      `ssh: a host cannot honour option${refused.length > 1 ? "s" : ""} ${refused.join(", ")} of the inner plan ${innerDescription}`,
      refused[0],
    );
  }
  return { workersPerHost: inner.workers, threadResourceLimits: resourceLimits };
}
