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
 */
import { mkdir, opendir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
    async set(key, value) {
      const file = pathOf(key);
      await mkdir(dirname(file), { recursive: true });
      await sweep(dirname(file));
      const temporary = temporaryPath(file);
      try {
        await writeFile(temporary, value);
        await rename(temporary, file);
      } catch (error) {
        await rm(temporary, { force: true }).catch(() => undefined);
        throw error;
      }
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
