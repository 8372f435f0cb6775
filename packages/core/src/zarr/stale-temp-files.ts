/**
 * Cleaning up after writers that were killed: the hidden temporaries the
 * file store writes before its atomic rename (stores/temp-files.ts). Other
 * stores (S3) write atomically without temporaries: nothing to clean there.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ZarrOptionError } from "./errors.js";
import { StoreSpecError } from "./stores/errors.js";
import { filePathOf, normalizeStoreSpec } from "./stores/index.js";
import { keyOf, lastWritten, ownerState, removeOwnTemporaries, temporariesUnder } from "./stores/temp-files.js";
import type { StoreKey, StoreSpec } from "./stores/types.js";
import { checkOptionNames } from "./work-plan.js";

export interface RemoveStaleTempFilesOptions {
  /**
   * Also remove temporaries whose owner cannot be checked from here (written
   * on another host of a shared filesystem, or by a parazarr that did not
   * record owners) once nothing has written to them for this many
   * milliseconds. Default: never; such temporaries are kept and listed.
   */
  readonly olderThan?: number;
}

export interface StaleTempFiles {
  /** Store keys of the temporaries removed. */
  readonly removed: string[];
  /** Store keys of temporaries kept: their writer is alive, is this process, or could not be checked. */
  readonly kept: string[];
}

const OPTIONS = ["olderThan"] as const;

function fileRoot(spec: StoreSpec): string | undefined {
  const url = normalizeStoreSpec(spec).url;
  return url.startsWith("file:") ? filePathOf(url) : undefined;
}

/**
 * Removes the temporary files that killed writers left in a file store,
 * without touching one a live writer still fills: each temporary's name
 * says which process (host, pid, start time) writes it.
 */
export async function removeStaleTempFiles(url: string | StoreSpec, options: RemoveStaleTempFilesOptions = {}): Promise<StaleTempFiles> {
  checkOptionNames("removeStaleTempFiles", options, OPTIONS);
  const { olderThan } = options;
  if (olderThan !== undefined && !(typeof olderThan === "number" && olderThan >= 0 && Number.isFinite(olderThan))) {
    throw new ZarrOptionError(`removeStaleTempFiles: olderThan must be a number of milliseconds ≥ 0, got ${JSON.stringify(olderThan)}`, "olderThan");
  }
  const spec = normalizeStoreSpec(url);
  const root = fileRoot(spec);
  const result: StaleTempFiles = { removed: [], kept: [] };
  if (root === undefined) return result;
  // A mistyped path must not look like a clean store.
  if (!existsSync(root)) throw new StoreSpecError(`removeStaleTempFiles: there is no store at ${spec.url}`, spec.url);
  for await (const temporary of temporariesUnder(root)) {
    const state = ownerState(temporary.owner);
    let stale = state === "dead";
    if (state === "unknown" && olderThan !== undefined) {
      const written = await lastWritten(temporary.path);
      stale = written !== undefined && Date.now() - written >= olderThan;
    }
    if (stale) await rm(temporary.path, { force: true });
    (stale ? result.removed : result.kept).push(keyOf(root, temporary.path));
  }
  result.removed.sort();
  result.kept.sort();
  return result;
}

/**
 * After a failed or cancelled write, removes the temporaries of the chunks
 * whose tasks did not report: the caller still owns those chunks and no task
 * of it still runs, so a temporary this process (or a dead one) wrote for
 * them is a leftover. Never fails the call it cleans up after.
 */
export async function removeLeftoverTemporaries(spec: StoreSpec, keys: readonly StoreKey[]): Promise<void> {
  if (keys.length === 0) return;
  try {
    const root = fileRoot(spec);
    if (root !== undefined) await removeOwnTemporaries(keys.map((key) => join(root, key)));
  } catch {
    // The write's own error is what the caller needs to see.
  }
}
