/**
 * The slurm plan's CodeStore: bundles go to `<stagingDir>/code/<hash>/<name>`
 * on the shared filesystem, written under a temporary name and renamed into
 * place, so a task on another node never imports a half-written file (NFS
 * and Lustre rename atomically within a directory). A bundle already there
 * is not written again: its name is its content's hash.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Bundle, CodeStore } from "@parazarr/remote";

export function sharedDirCodeStore(stagingDir: string): CodeStore {
  const base = join(stagingDir, "code");
  return {
    async put(bundle: Bundle): Promise<string> {
      const dir = join(base, bundle.hash);
      const path = join(dir, bundle.name);
      const url = pathToFileURL(path).href;
      if (await exists(path)) return url;
      try {
        await mkdir(dir, { recursive: true });
        const temp = join(dir, `.${bundle.name}.${randomBytes(6).toString("hex")}.tmp`);
        await writeFile(temp, bundle.code);
        await rename(temp, path);
      } catch (error) {
        throw new Error(`slurm: cannot stage ${bundle.name} in ${dir}: ${(error as Error).message}`, { cause: error });
      }
      return url;
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
