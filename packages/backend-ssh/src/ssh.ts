import { definePlan, type Plan } from "@parazarr/core/backend";
import { resolveOptions, type SshOptions } from "./options.js";
import { startSsh } from "./start.js";

/**
 * Runs tasks on SSH hosts, with nothing installed there but Node.js:
 *
 *     setPlan(ssh({ hosts: ["me@node1", "me@node2:2222"], privateKey: "~/.ssh/id_ed25519" }));
 *
 * Task modules are bundled and shipped to each host (cached by content
 * hash); stores travel as URLs, so each host must reach the data itself
 * (a shared filesystem, HTTP or S3).
 */
export function ssh(options: SshOptions): Plan {
  const resolved = resolveOptions(options);
  const hosts = resolved.hosts.map((h) => h.label).join(", ");
  const workers = resolved.workersPerHost === undefined ? "" : `, ${resolved.workersPerHost} workers each`;
  return definePlan({
    description: `ssh(${hosts}${workers})`,
    capabilities: { inProcess: false, survivesCrash: true, preemptsRunning: true, sharedMemory: false, remote: true },
    start: () => startSsh(resolved),
  });
}
