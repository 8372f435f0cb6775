/**
 * The file store's hidden temporaries (`.<name>.<…>.partial`, see file.ts)
 * and who owns them. A writer killed between `writeFile` and `rename`
 * leaves its temporary behind; nothing reads it (Zarr skips hidden names),
 * but thousands of them fill the disk. Each name carries its owner: host,
 * pid and the process's start time, so a pid reused by a new process is not
 * mistaken for the writer. A temporary may be removed only when its owner
 * is known to be gone: removing a live writer's file would fail that write.
 */
import { readFileSync } from "node:fs";
import type { Dir, Dirent } from "node:fs";
import { opendir, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, relative, sep } from "node:path";
import { threadId } from "node:worker_threads";

/** Who wrote a temporary, as its name says. Names from before owners were recorded have none. */
export interface TemporaryOwner {
  readonly host: string;
  readonly pid: number;
  readonly start: string;
}

/** "self": this process (it may still be writing it); "alive"/"dead": checked; "unknown": another host, or no owner in the name. */
export type OwnerState = "self" | "alive" | "dead" | "unknown";

const PATTERN = /^\.(.+)\.(\d+)-(\d+)-(\d+)(?:\.([0-9a-z]+)@([A-Za-z0-9-]*))?\.partial$/;

const thisHost = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40);

/** Boot time from /proc/stat, or undefined where there is no /proc (not Linux). */
const bootTimeMs = (() => {
  try {
    return 1000 * Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))![1]);
  } catch {
    return undefined;
  }
})();

/**
 * A process's start time, as milliseconds since the epoch in base 36, from
 * Linux's /proc (field 22 of /proc/<pid>/stat, in clock ticks since boot;
 * USER_HZ is 100 on every Linux ABI); undefined when the process is gone.
 * "0" where there is no /proc: owners are then checked by pid alone.
 *
 * A zombie is gone too: a killed writer's worker processes are re-parented
 * to PID 1, and in a container whose PID 1 is not an init that reaps (a
 * plain `docker run`, this sandbox), they stay zombies, /proc entry and start
 * time intact, for as long as the container runs. Taking them for live
 * writers kept their temporaries and claims forever.
 */
export function processStart(pid: number): string | undefined {
  if (bootTimeMs === undefined) return "0";
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z" || fields[0] === "X") return undefined;
    const ticks = Number(fields[19]);
    return (bootTimeMs + ticks * 10).toString(36);
  } catch {
    return undefined;
  }
}

const selfStart = processStart(process.pid) ?? "0";
let counter = 0;

/** A temporary's path next to `file`: a name no other writer picks, hidden, with its owner in it. */
export function temporaryPath(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}-${threadId}-${counter++}.${selfStart}@${thisHost}.partial`);
}

/** The file a temporary was to become, and its owner; undefined when `name` is not a temporary. */
export function parseTemporaryName(name: string): { target: string; owner: TemporaryOwner | undefined } | undefined {
  const match = PATTERN.exec(name);
  if (match === null) return undefined;
  const [, target, pid, , , start, host] = match;
  return { target: target!, owner: start === undefined ? undefined : { host: host!, pid: Number(pid), start } };
}

export function ownerState(owner: TemporaryOwner | undefined): OwnerState {
  if (owner === undefined || owner.host !== thisHost) return "unknown";
  if (owner.pid === process.pid && owner.start === selfStart) return "self";
  if (owner.start === "0") return pidAlive(owner.pid) ? "alive" : "dead";
  // Gone, or the pid now belongs to a process that started later.
  return processStart(owner.pid) === owner.start ? "alive" : "dead";
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

export interface Temporary {
  readonly path: string;
  readonly target: string;
  readonly owner: TemporaryOwner | undefined;
}

/** A directory's entries as a stream, or nothing when it does not exist (or is a file). */
async function entriesOf(dir: string): Promise<Dir | undefined> {
  try {
    return await opendir(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
}

function temporaryOf(dir: string, entry: Dirent): Temporary | undefined {
  const parsed = entry.isFile() ? parseTemporaryName(entry.name) : undefined;
  return parsed === undefined ? undefined : { path: join(dir, entry.name), ...parsed };
}

/** The temporaries directly inside `dir` (none when it does not exist). */
export async function* temporariesIn(dir: string): AsyncGenerator<Temporary> {
  // opendir streams: a flat Zarr v2 directory of a million chunks is not held in memory at once.
  for await (const entry of (await entriesOf(dir)) ?? []) {
    const temporary = temporaryOf(dir, entry);
    if (temporary !== undefined) yield temporary;
  }
}

/** Every temporary under `root`, in every directory. */
export async function* temporariesUnder(root: string): AsyncGenerator<Temporary> {
  const dirs = [root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    for await (const entry of (await entriesOf(dir)) ?? []) {
      if (entry.isDirectory()) dirs.push(join(dir, entry.name));
      const temporary = temporaryOf(dir, entry);
      if (temporary !== undefined) yield temporary;
    }
  }
}

/** Removes the temporaries in `dir` whose owner is dead: no live writer can own them. */
export async function removeDeadTemporaries(dir: string): Promise<void> {
  for await (const temporary of temporariesIn(dir)) {
    if (ownerState(temporary.owner) === "dead") await rm(temporary.path, { force: true });
  }
}

/**
 * Removes the temporaries of `files` (paths of chunk files) that this
 * process or a dead one left: for a call whose every task has stopped and
 * that still owns those chunks, so no writer of this process is filling them.
 */
export async function removeOwnTemporaries(files: readonly string[]): Promise<void> {
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const names = byDir.get(dirname(file)) ?? new Set<string>();
    names.add(basename(file));
    byDir.set(dirname(file), names);
  }
  for (const [dir, names] of byDir) {
    for await (const temporary of temporariesIn(dir)) {
      if (!names.has(temporary.target)) continue;
      const state = ownerState(temporary.owner);
      if (state === "self" || state === "dead") await rm(temporary.path, { force: true });
    }
  }
}

/** The store key of a file under `root`. */
export function keyOf(root: string, path: string): `/${string}` {
  return `/${relative(root, path).split(sep).join("/")}`;
}

/** When the temporary was last written to, or undefined when it is gone already. */
export async function lastWritten(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}
