/**
 * Is a module the program's entry (the script `node main.mjs` runs)? A task
 * declared there cannot be found by a worker without running the whole
 * script again, side effects included, and under top-level await the script
 * would wait on itself. So core refuses such a task at once, on every plan.
 *
 * The entry is `process.argv[1]` as Node resolves it: made absolute,
 * symlinks resolved (Node runs the real path unless --preserve-symlinks-main)
 * and, for an extensionless argument, the file Node's CommonJS resolver
 * picks. `.ts` entries run through a loader (tsx, --import) keep their own
 * path, so they compare the same way. With no script (a REPL, `node -e`,
 * `--input-type`), there is no entry module and nothing is refused. Under a
 * test runner argv[1] is the runner's own file, which declares no task.
 */
import { realpathSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TaskDefinitionError } from "../errors.js";
import type { TaskRef } from "../protocol.js";

const EXTENSIONS = ["", ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"];

let entryPath: string | null | undefined;

function findEntryPath(): string | null {
  const script = process.argv[1];
  if (typeof script !== "string" || script === "" || script === "-") return null;
  const absolute = resolve(script);
  for (const extension of EXTENSIONS) {
    const candidate = absolute + extension;
    try {
      if (statSync(candidate).isFile()) return realPath(candidate);
    } catch {
      // not this one
    }
  }
  return realPath(absolute);
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The entry script's real path, or null when the program has none. */
export function entryModulePath(): string | null {
  // argv[1] does not change, but is read late: a worker entry may set it up.
  if (entryPath === undefined) entryPath = findEntryPath();
  return entryPath;
}

/** Whether `moduleUrl` names the program's entry module. */
export function isEntryModule(moduleUrl: string): boolean {
  const entry = entryModulePath();
  if (entry === null || !moduleUrl.startsWith("file:")) return false;
  let path: string;
  try {
    path = fileURLToPath(new URL(moduleUrl).href.split(/[?#]/)[0]!);
  } catch {
    return false;
  }
  return path === entry || realPath(path) === entry;
}

/**
 * Throws a TaskDefinitionError when `ref` is declared in the entry module.
 * `what` names the call ("map", "registerCodec") in the message.
 */
export function refuseEntryModule(what: string, ref: TaskRef): void {
  if (!isEntryModule(ref.moduleUrl)) return;
  const script = basename(entryModulePath() ?? "main.mjs");
  if (ref.name === "set-up") {
    throw new TaskDefinitionError(
      `${what}: ${script} is the program's entry module, and every worker would run the whole script again to set itself up. ` +
        `Move the set-up into a module of its own (say setup.mjs) and pass that module's URL.`,
    );
  }
  throw new TaskDefinitionError(
    `${what}: task "${ref.name}" is declared in ${script}, the program's entry module. ` +
      `Workers find a task by importing its module, and importing ${script} would run the whole script again ` +
      `(with top-level await, it would wait on itself for ever). ` +
      `Move the task into a module of its own (say ${ref.name}.mjs: \`export const ${ref.name} = task(import.meta.url, "${ref.name}", fn)\`) ` +
      `and import it from ${script}.`,
  );
}
