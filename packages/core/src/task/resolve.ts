import { TaskDefinitionError } from "../errors.js";
import type { TaskRef } from "../protocol.js";
import { isTask, type Task } from "./task.js";

// One import per module per process: workers are persistent, so a module and
// whatever it keeps warm (open stores, WASM codecs) serve every later batch.
const modules = new Map<string, Promise<Record<string, unknown>>>();

export function importModule(moduleUrl: string): Promise<Record<string, unknown>> {
  let loaded = modules.get(moduleUrl);
  if (loaded === undefined) {
    loaded = import(moduleUrl) as Promise<Record<string, unknown>>;
    // A failed import is not cached: the file may appear (or be fixed) later.
    loaded.catch(() => modules.delete(moduleUrl));
    modules.set(moduleUrl, loaded);
  }
  return loaded;
}

/** Finds the task a reference names, or says exactly why it cannot. */
export async function resolveTask(ref: TaskRef): Promise<Task> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(ref.moduleUrl);
  } catch (error) {
    throw new TaskDefinitionError(
      `task "${ref.name}": its module ${ref.moduleUrl} cannot be imported: ${(error as Error).message}`,
    );
  }
  const exported = mod[ref.name];
  if (!isTask(exported) || exported.name !== ref.name || exported.moduleUrl !== ref.moduleUrl) {
    throw new TaskDefinitionError(
      `task "${ref.name}": module ${ref.moduleUrl} does not export it under that name. ` +
        `Declare it as \`export const ${ref.name} = task(import.meta.url, "${ref.name}", fn)\`.`,
    );
  }
  return exported;
}
