/**
 * The file store's failures as tagged errors. file.ts lets system errors
 * through as Node raises them (a raw `EACCES`, or `ENOENT` from the
 * recursive mkdir on a read-only mount); this wraps the store so each one
 * names the store, the key and what was being done, with the system error
 * as `cause`. A missing key is not a failure: file.ts answers undefined.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FileStoreError } from "./errors.js";
import type { Store, StoreKey } from "./types.js";

const REASONS: Record<string, string> = {
  EROFS: "the filesystem is read-only",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a file stands where a directory should be",
  EEXIST: "a file stands where a directory should be",
  EISDIR: "a directory stands where a file should be",
  ENOENT: "a directory on the way is missing",
};

/** The system error code ("EROFS") of a failed fs call; undefined for anything else (an abort, a tagged error), which passes through as it is. */
function systemCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

function wrap(url: string, key: StoreKey, operation: FileStoreError["operation"], cause: unknown): unknown {
  const code = systemCode(cause);
  if (code === undefined) return cause;
  return new FileStoreError(
    `cannot ${operation} ${key} in the store ${url}: ${REASONS[code] ?? (cause as Error).message} (${code})`,
    url,
    key,
    operation,
    code,
    { cause },
  );
}

/**
 * Node 20's recursive `mkdir` answers ENOENT when a directory cannot be
 * made for any reason (EROFS, EACCES): it gives up on the first parent and
 * reports that parent missing. Making the first missing directory alone
 * gives the real error. If that succeeds the failure has passed; the empty
 * directory it leaves is harmless to Zarr readers.
 */
async function realMkdirError(directory: string): Promise<unknown> {
  let missing = directory;
  for (;;) {
    const parent = dirname(missing);
    if (parent === missing) return undefined;
    if (await exists(parent)) break;
    missing = parent;
  }
  return mkdir(missing).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const exists = (path: string) => stat(path).then(() => true, () => false);

export function withFileErrors(inner: Store, url: string, root: string): Store {
  const guarded = <T>(key: StoreKey, operation: FileStoreError["operation"], run: () => Promise<T>): Promise<T> =>
    run().catch((cause: unknown) => {
      throw wrap(url, key, operation, cause);
    });
  const write = async (key: StoreKey, value: Uint8Array) => {
    try {
      await inner.set!(key, value);
    } catch (cause) {
      const real = (cause as { code?: unknown }).code === "ENOENT" ? await realMkdirError(dirname(join(root, key))) : undefined;
      throw wrap(url, key, "write", real ?? cause);
    }
  };
  return {
    get: (key, options) => guarded(key, "read", () => inner.get(key, options)),
    ...(inner.getInto && { getInto: (key: StoreKey, into: Uint8Array, options?: { signal?: AbortSignal }) => guarded(key, "read", () => inner.getInto!(key, into, options)) }),
    set: write,
    delete: (key) => guarded(key, "delete", () => inner.delete!(key)),
    ...(inner.create && { create: (key: StoreKey, value: Uint8Array) => guarded(key, "write", () => inner.create!(key, value)) }),
    ...(inner.flush && { flush: (keys: readonly StoreKey[]) => guarded(keys[0] ?? "/", "write", () => inner.flush!(keys)) }),
    // consolidate() lists through here; its system errors pass through unwrapped (a missing folder lists nothing).
    ...(inner.list && { list: inner.list.bind(inner) }),
  };
}
