/**
 * Downloaded sources live in a temporary directory of their own until the
 * file is closed. A worker that exits without closing (a crash, a plan's
 * close() ending a thread) removes what is left in its 'exit' handler,
 * which Node runs for a process and for a worker thread alike. A SIGKILL
 * runs nothing: the directories are named parazarr-netcdf-<pid>-… in the
 * OS temporary folder so they can be found and removed by hand.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const live = new Set<string>();
let hooked = false;

function removeAllNow(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

/** A new temporary directory, removed by the returned function or at exit, whichever comes first. */
export async function temporaryDirectory(): Promise<{ dir: string; remove: () => Promise<void> }> {
  if (!hooked) {
    process.on("exit", removeAllNow);
    hooked = true;
  }
  const dir = await mkdtemp(join(tmpdir(), `parazarr-netcdf-${process.pid}-`));
  live.add(dir);
  return {
    dir,
    remove: async () => {
      live.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
