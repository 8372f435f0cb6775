/**
 * The file store: a Zarr key "/a/b/c" is the file `<root>/a/b/c`.
 *
 * Writes are atomic: the bytes go to a hidden temporary file in the same
 * directory, then `rename` puts it in place. A reader (or a writer killed at
 * any instant) sees the old chunk or the new one, never a torn one.
 * @zarrita/storage's FileSystemStore (0.2.0) writes in place with
 * `writeFile`, which is why this store exists.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import type { Store, StoreKey } from "./types.js";

let temporaries = 0;

/** A name no other writer (thread, process) picks, starting with "." so Zarr listings skip it. */
function temporaryPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}-${threadId}-${temporaries++}.partial`);
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // ENOTDIR: a parent is a file; EISDIR: the key names a directory (a v3 "c/0" prefix).
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}

export function openFileStore(root: string): Store {
  const pathOf = (key: StoreKey) => join(root, key);
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
  };
}
