/**
 * Whether a task's module has finished evaluating, known without waiting.
 *
 * `map` used to import the task's module to check its export, and an
 * import of a module still evaluating (a top-level `await map(…)` in the
 * module that declares the task, or in one it imports while loading)
 * settles only once that evaluation ends: never, since it is waiting for
 * `map`. Node exits with code 13 and prints nothing.
 *
 * So `task()` itself starts an import of its own module: the promise
 * settles once the module (and its cycle) has finished evaluating. Until it
 * has settled, `map` does not import the module: the caller already holds
 * the task object, and a worker imports the module afresh and checks the
 * export itself. (The promise settles a few microtasks after evaluation
 * ends, so a module that has only just finished can still count as
 * evaluating; it only skips the caller-side check.)
 */

// A registry symbol: a task declared through one copy of core may be run by another.
const STATES = Symbol.for("parazarr.moduleEvaluation");
type State = "evaluating" | "evaluated" | "unknown";
const global = globalThis as { [STATES]?: Map<string, State> };
const states: Map<string, State> = (global[STATES] ??= new Map());

/** Called by `task()` while its module evaluates. */
export function watchEvaluation(moduleUrl: string): void {
  if (states.has(moduleUrl) || !/^(file|data|https?):/.test(moduleUrl)) return;
  states.set(moduleUrl, "evaluating");
  import(moduleUrl).then(
    () => states.set(moduleUrl, "evaluated"),
    // Not importable here (a loader the caller lacks, a made-up URL): the
    // usual import in resolveTask reports why, as before.
    () => states.set(moduleUrl, "unknown"),
  );
}

/** True while the import `task()` started has not settled: the module is (or was a moment ago) evaluating. */
export function isStillEvaluating(moduleUrl: string): boolean {
  return states.get(moduleUrl) === "evaluating";
}
