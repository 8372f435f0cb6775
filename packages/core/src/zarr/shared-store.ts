/**
 * On a plan whose workers may run on other machines (`capabilities.remote`),
 * a `file://` path means a different disk on every host: writes would land
 * on each worker's own disk, reads would see missing chunks as fill value,
 * and the call would still report success. Such a store is allowed only
 * under a path the plan declares shared (`ssh({ sharedFilesystem: [...] })`).
 * Checked for every call, however small: a script must not work for a
 * one-chunk test (which runs in the caller) and fail at scale.
 */
import { sep } from "node:path";
import type { Plan } from "../plan/plan.js";
import { StoreNotSharedError } from "./errors.js";
import { filePathOf } from "./stores/index.js";
import type { StoreSpec } from "./stores/types.js";

function isUnder(path: string, root: string): boolean {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path === root || path.startsWith(prefix);
}

export function checkStoreShared(where: string, spec: StoreSpec, plan: Plan): void {
  if (!plan.capabilities.remote || !spec.url.startsWith("file:")) return;
  const path = filePathOf(spec.url);
  const shared = plan.capabilities.sharedFilesystem ?? [];
  if (shared.some((root) => isUnder(path, root))) return;
  throw new StoreNotSharedError(
    `${where}: the store ${spec.url} is a local path, but the plan ${String(plan)} runs its workers on other machines, ` +
      `where that path is another disk. ` +
      (shared.length === 0
        ? `If every host mounts it at the same path, say so in the plan: sharedFilesystem: [${JSON.stringify(path)}]; `
        : `The plan declares only ${shared.map((s) => JSON.stringify(s)).join(", ")} as shared; `) +
      "otherwise use a store every host reaches (s3://, http(s)://).",
    spec.url,
    String(plan),
  );
}
