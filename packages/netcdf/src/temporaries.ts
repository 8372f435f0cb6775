/**
 * Downloaded sources live in a temporary directory of their own until the
 * file is closed. A worker that exits without closing (a crash, a plan's
 * close() ending a thread) removes what is left in its 'exit' handler,
 * which Node runs for a process and for a worker thread alike.
 *
 * A SIGKILL, or a SIGTERM (a Batch or Slurm job terminated, an ssh agent
 * killed), runs nothing: such a worker leaves its downloads behind, and on a
 * host that outlives its workers (ssh, Slurm nodes) a long conversion that
 * loses some would fill the disk with them. So each directory's name says
 * whose it is, `parazarr-netcdf-<pid>-<start>@<host>-…` (start: the
 * process's start time, so that a pid reused by a later process is not taken
 * for the owner), and the first download of each process removes those of
 * this host whose owner is gone. A directory of another host (a temporary
 * folder several hosts share), or named the older way without its owner, is
 * never touched.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

const live = new Set<string>();
let hooked = false;
let swept: Promise<void> | undefined;

const PREFIX = "parazarr-netcdf-";
// As the file store names its temporaries' hosts (core's temp-files.ts): letters, digits and "-".
const thisHost = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40) || "host";

// Without /proc (not Linux), owners are known by pid alone.
const hasProc = existsSync("/proc/self/stat");

/** Linux's start time of `pid` (field 22 of /proc/<pid>/stat), "0" without /proc, undefined when it is gone or a zombie. */
function startOf(pid: number): string | undefined {
  if (!hasProc) return "0";
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch (error) {
    return (error as { code?: string }).code === "ENOENT" ? undefined : "0";
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" || fields[0] === "X" ? undefined : (fields[19] ?? "0");
}

function ownerGone(pid: number, start: string): boolean {
  const now = startOf(pid);
  if (now === undefined) return true;
  if (now !== "0" && start !== "0") return now !== start;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

const selfStart = startOf(process.pid) ?? "0";
// parazarr-netcdf-<pid>-<start>@<host>-XXXXXX (mkdtemp's six characters): the host last, so that no
// host name, dashes and all, can be read as another's pid ("vm-2" is not host "vm" with pid 2).
const OWNED = new RegExp(`^${PREFIX}(\\d+)-(\\d+)@(.+)-[A-Za-z0-9]{6}$`);

/** Removes this host's download directories whose owner is gone (best effort: a folder we cannot list or remove is left). */
export async function removeOrphans(root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    const owner = OWNED.exec(name);
    if (owner === null || owner[3] !== thisHost || (Number(owner[1]) === process.pid && owner[2] === selfStart)) continue;
    if (!ownerGone(Number(owner[1]), owner[2]!)) continue;
    await rm(join(root, name), { recursive: true, force: true }).then(() => removed.push(name), () => undefined);
  }
  return removed;
}

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
  await (swept ??= removeOrphans().then(() => undefined));
  const dir = await mkdtemp(join(tmpdir(), `${PREFIX}${process.pid}-${selfStart}@${thisHost}-`));
  live.add(dir);
  return {
    dir,
    remove: async () => {
      live.delete(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
