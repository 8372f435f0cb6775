/**
 * Worker set-up by module, in the spirit of mirai's `everywhere()`: a
 * module (codecs to register, a connection pool to open) that every worker,
 * on every plan, imports before it runs its first task. Like a task, a
 * set-up module is named by URL, so a thread, a process or an SSH host
 * (which is shipped the module, like a task's) can import it on its own.
 *
 * The list is the caller's and travels with every batch: a worker started
 * before a module was added imports it before its next batch. A worker
 * imports each module once and keeps it (workers are persistent).
 */
import { TaskDefinitionError } from "../errors.js";
import { refuseEntryModule } from "./entry-module.js";
import { importModule } from "./resolve.js";

const modules: string[] = [];

/** The set-up modules every batch carries, in the order they were added. */
export function setupModules(): readonly string[] {
  return modules;
}

/** Adds a set-up module (once); refused, with a TaskDefinitionError, for a non-URL or the entry script. */
export function addSetupModule(where: string, moduleUrl: string | URL): string {
  const url = typeof moduleUrl === "string" ? moduleUrl : moduleUrl instanceof URL ? moduleUrl.href : undefined;
  if (url === undefined || !URL.canParse(url)) {
    throw new TaskDefinitionError(
      `${where}: expected the module's URL, such as import.meta.url or new URL("./setup.mjs", import.meta.url), got ${JSON.stringify(moduleUrl)}`,
    );
  }
  refuseEntryModule(where, { moduleUrl: url, name: "set-up" });
  if (!modules.includes(url)) modules.push(url);
  return url;
}

/**
 * Makes every worker of every plan import `moduleUrl` before its first
 * task (and before its next one, if it already runs), and imports it here
 * too, so that what it registers holds in the caller as well:
 *
 *     await everywhere(new URL("./codecs.mjs", import.meta.url));
 *
 * Call it with another module's URL, never from the set-up module itself:
 * an import of a module that is still evaluating waits for its end.
 */
export async function everywhere(moduleUrl: string | URL): Promise<void> {
  const url = addSetupModule("everywhere", moduleUrl);
  try {
    await importModule(url);
  } catch (error) {
    modules.splice(modules.indexOf(url), 1);
    throw new TaskDefinitionError(`everywhere: the set-up module ${url} cannot be imported: ${(error as Error).message}`);
  }
}

/** In a worker: imports the batch's set-up modules (each once per worker), in order. */
export async function runSetup(urls: readonly string[] | undefined): Promise<void> {
  for (const url of urls ?? []) {
    try {
      await importModule(url);
    } catch (error) {
      throw new TaskDefinitionError(`the set-up module ${url} cannot be imported on this worker: ${(error as Error).message}`);
    }
  }
}
