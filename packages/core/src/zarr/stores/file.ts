/**
 * The file store: a Zarr key "/a/b/c" is the file `<root>/a/b/c`.
 *
 * Writes are atomic: the bytes go to a hidden temporary file in the same
 * directory, then `rename` puts it in place. A reader (or a writer killed at
 * any instant) sees the old chunk or the new one, never a torn one.
 * @zarrita/storage's FileSystemStore (0.2.0) writes in place with
 * `writeFile`, which is why this store exists.
 *
 * A writer killed mid-write leaves its temporary. The first write into a
 * directory (per opened store) removes those whose owner is dead
 * (temp-files.ts): a rerun after a kill cleans up after the killed run.
 *
 * `create` is exclusive: the bytes go to a temporary, which `link()` then
 * names as the key. link(2) fails with EEXIST when the key exists, and is
 * atomic, so of any number of writers (threads, processes, hosts on one
 * NFSv3+ mount) exactly one wins, and a reader never sees a half-written
 * claim (an `open(O_EXCL)` followed by a write would show an empty file).
 *
 * `flush` fsyncs each file and then each distinct parent directory: the
 * rename or link that made a file visible lives in its directory, and a
 * record of finished work must never survive a power loss that its chunks
 * did not.
 */
import { link, mkdir, open, opendir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Store, StoreKey } from "./types.js";
import { removeDeadTemporaries, temporaryPath } from "./temp-files.js";

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // ENOTDIR: a parent is a file; EISDIR: the key names a directory (a v3 "c/0" prefix).
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

export function openFileStore(root: string): Store {
  const pathOf = (key: StoreKey) => join(root, key);
  const swept = new Map<string, Promise<void>>();
  // Best effort: a directory we cannot list still takes the write.
  const sweep = (dir: string) => swept.get(dir) ?? swept.set(dir, removeDeadTemporaries(dir).catch(() => undefined)).get(dir)!;
  /** Writes `value` to a fresh temporary beside the key's file and lets `place` put it there; the temporary never outlives the call. */
  async function throughTemporary<T>(key: StoreKey, value: Uint8Array, place: (temporary: string, file: string) => Promise<T>): Promise<T> {
    const file = pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    await sweep(dirname(file));
    const temporary = temporaryPath(file);
    try {
      await writeFile(temporary, value);
      return await place(temporary, file);
    } finally {
      // After a rename there is nothing left to remove; after a link or a failure, the temporary goes.
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
  return {
    async get(key) {
      try {
        const bytes = await readFile(pathOf(key));
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async getInto(key, into) {
      // An open descriptor keeps the file it opened: a writer's rename puts a
      // new file in place, never changes this one, so the read is whole.
      let handle;
      try {
        handle = await open(pathOf(key), "r");
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        const target = size <= into.length ? into.subarray(0, size) : new Uint8Array(size);
        let done = 0;
        while (done < size) {
          const { bytesRead } = await handle.read(target, done, size - done, done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return target.subarray(0, done);
      } catch (error) {
        if (isMissing(error)) return undefined; // EISDIR: the key names a directory
        throw error;
      } finally {
        await handle.close();
      }
    },
    async set(key, value) {
      await throughTemporary(key, value, rename);
    },
    async create(key, value) {
      return throughTemporary(key, value, async (temporary, file) => {
        try {
          // link(2) fails with EEXIST where the key exists: exclusive, and the key is whole from its first byte.
          await link(temporary, file);
          return true;
        } catch (error) {
          if ((error as { code?: unknown }).code === "EEXIST") return false;
          throw error;
        }
      });
    },
    async flush(keys) {
      const files = [...new Set(keys.map(pathOf))];
      await inBatches(files, fsyncFile);
      await inBatches([...new Set(files.map((file) => dirname(file)))], fsyncFile);
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    async *list(prefix) {
      let dir;
      try {
        dir = await opendir(pathOf(prefix));
      } catch (error) {
        if (isMissing(error)) return;
        throw error;
      }
      for await (const entry of dir) yield entry.isDirectory() ? `${entry.name}/` : entry.name;
    },
  };
}

// Bounded: a task's flush of thousands of chunks must not open thousands of descriptors at once.
const FLUSH_PARALLEL = 16;

async function inBatches(paths: readonly string[], run: (path: string) => Promise<void>): Promise<void> {
  for (let i = 0; i < paths.length; i += FLUSH_PARALLEL) await Promise.all(paths.slice(i, i + FLUSH_PARALLEL).map(run));
}

/** fsync(2) of a file or a directory (opened read-only, which Linux and macOS allow for both); a missing one is skipped. */
async function fsyncFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
