import { MapFailures, PlanError, TaskDefinitionError, type TaskError } from "../errors.js";
import { sizingConcurrency, type Backend } from "../backend.js";
import { getPlan } from "../plan/current.js";
import type { Plan } from "../plan/plan.js";
import { refuseEntryModule } from "../task/entry-module.js";
import { isStillEvaluating } from "../task/evaluating.js";
import { resolveTask } from "../task/resolve.js";
import { isTask, task as declareTask, type Task, type TaskFn } from "../task/task.js";
import { inlineBackend } from "./inline.js";
import { resolveOptions, type MapOptions } from "./options.js";
import { Scheduler, type EventSink, type MapEvent } from "./scheduler.js";

export type Inputs<I> = Iterable<I> | AsyncIterable<I>;

/** What `map(…, { errors: "collect" })` resolves to. */
export interface Collected<R> {
  /** `values[i]` is input i's result, or undefined where it failed. */
  readonly values: Array<R | undefined>;
  /** Every failure, each a TaskError naming its input; undefined when all succeeded. */
  readonly failures: MapFailures | undefined;
}

type Runnable<I, O> = Task<I, O> | TaskFn<I, O>;

/** Runs `task` on every input, on the current plan; results come back in input order. */
export function map<I, O>(
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options: MapOptions & { errors: "collect" },
): Promise<Collected<Awaited<O>>>;
export function map<I, O>(task: Runnable<I, O>, inputs: Inputs<I>, options?: MapOptions): Promise<Awaited<O>[]>;
export async function map<I, O>(
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options?: MapOptions,
): Promise<Awaited<O>[] | Collected<Awaited<O>>> {
  const values: Array<Awaited<O> | undefined> = [];
  const errors: TaskError[] = [];
  const sink: EventSink<Awaited<O>> = {
    full: false,
    push(event) {
      if ("error" in event) errors.push(event.error);
      else values[event.index] = event.value;
    },
  };
  const { scheduler } = await prepare("map", task, inputs, options, sink);
  await scheduler.run();
  if (options?.errors !== "collect") return values as Awaited<O>[];
  errors.sort((a, b) => a.index - b.index);
  const total = scheduler.total ?? values.length;
  values.length = total;
  return { values, failures: errors.length > 0 ? new MapFailures(errors, total) : undefined };
}

/** Like `map`, but yields `{ index, value }` as each item finishes. */
export function mapUnordered<I, O>(
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options: MapOptions & { errors: "collect" },
): AsyncGenerator<MapEvent<Awaited<O>>>;
export function mapUnordered<I, O>(
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options?: MapOptions,
): AsyncGenerator<{ index: number; value: Awaited<O> }>;
export function mapUnordered<I, O>(
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options?: MapOptions,
): AsyncGenerator<MapEvent<Awaited<O>>> {
  return unordered("mapUnordered", task, inputs, options, undefined);
}

/**
 * For core's own small jobs: `mapUnordered` run in the caller, without
 * cloning (see inline.ts). Not exported from the package.
 */
export function mapUnorderedInline<I, O>(
  task: Task<I, O>,
  inputs: Inputs<I>,
  options?: MapOptions,
): AsyncGenerator<{ index: number; value: Awaited<O> }> {
  return unordered("mapUnordered", task, inputs, options, inlineBackend) as AsyncGenerator<{ index: number; value: Awaited<O> }>;
}

/**
 * For core's writes: `mapUnordered` (in the caller when `inline`) that ends,
 * even when cancelled or failed, only once no batch of it still runs on a
 * backend. Chunk ownership across calls relies on it: a chunk is handed to
 * the next call only when no task of this one can still store it.
 */
export function mapUnorderedSettled<I, O>(
  task: Task<I, O>,
  inputs: Inputs<I>,
  options: MapOptions | undefined,
  inline: boolean,
): AsyncGenerator<{ index: number; value: Awaited<O> }> {
  return unordered("mapUnordered", task, inputs, options, inline ? inlineBackend : undefined, true) as AsyncGenerator<{
    index: number;
    value: Awaited<O>;
  }>;
}

/** How long mapUnordered may keep the event loop to itself. */
const EVENT_LOOP_TURN_MS = 10;

async function* unordered<I, O>(
  where: string,
  task: Runnable<I, O>,
  inputs: Inputs<I>,
  options: MapOptions | undefined,
  backendOverride: Backend | undefined,
  settle = false,
): AsyncGenerator<MapEvent<Awaited<O>>> {
  const buffer: MapEvent<Awaited<O>>[] = [];
  let wakeConsumer: (() => void) | undefined;
  const notify = () => {
    wakeConsumer?.();
    wakeConsumer = undefined;
  };
  let backend: Backend | undefined;
  const sink: EventSink<Awaited<O>> = {
    // Results waiting for a slow consumer are bounded like in-flight work,
    // for as many workers as the plan has (or, elastic, is heading for).
    get full() {
      return backend !== undefined && buffer.length >= 4 * sizingConcurrency(backend);
    },
    push(event) {
      buffer.push(event);
      notify();
    },
  };
  const prepared = await prepare(where, task, inputs, options, sink, backendOverride);
  const scheduler = prepared.scheduler;
  backend = prepared.backend;
  let outcome: { error: unknown } | "finished" | undefined;
  const running = scheduler.run().then(
    () => void (outcome = "finished"),
    (error: unknown) => void (outcome = { error }),
  );
  running.finally(notify);
  let lastTurn = performance.now();
  let sinceClock = 0;
  try {
    for (;;) {
      const event = buffer.shift();
      if (event !== undefined) {
        scheduler.resume();
        // While results keep coming, everything here runs on promises
        // (microtasks): the caller's timers, I/O and AbortSignal.timeout
        // would never get a turn (300,000 tiny tasks: a 50 ms interval
        // ticked 0 times). Give the event loop one turn every few ms.
        // (The clock is read every 16 events only: it showed on 5 µs tasks.)
        if ((++sinceClock & 15) === 0 && performance.now() - lastTurn > EVENT_LOOP_TURN_MS) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastTurn = performance.now();
        }
        yield event;
        continue;
      }
      if (outcome === "finished") return;
      if (outcome !== undefined) throw outcome.error;
      await new Promise<void>((resolve) => (wakeConsumer = resolve));
    }
  } finally {
    // The consumer stopped early (break, throw): stop the work it no longer wants.
    if (outcome === undefined) scheduler.cancel(new PlanError("mapUnordered: iteration was stopped by the consumer"));
    await running;
    if (settle) await scheduler.settled();
  }
}

async function prepare<I, O, R>(
  where: string,
  runnable: Runnable<I, O>,
  inputs: Inputs<I>,
  options: MapOptions | undefined,
  sink: EventSink<R>,
  backendOverride?: Backend,
): Promise<{ scheduler: Scheduler<R>; backend: Backend }> {
  const resolved = resolveOptions(where, options);
  const plan = getPlan();
  const task = await checkTask(where, runnable, plan);
  const iterator = iterate(where, inputs);
  const backend = backendOverride ?? (await plan.acquire());
  const scheduler = new Scheduler<R>(plan, backend, task, iterator, knownLength(inputs), resolved, sink);
  return { scheduler, backend };
}

/** A task every plan can run, or a clear error before anything runs. */
async function checkTask<I, O>(where: string, runnable: Runnable<I, O>, plan: Plan): Promise<Task> {
  if (isTask(runnable)) {
    // Checked on every plan, sequential too: what works here works on threads and hosts.
    refuseEntryModule(where, runnable);
    // Its module is still evaluating (this map runs from its top level, or
    // from a module it imports): importing it here would wait for ever. The
    // caller runs the task object it holds; a worker imports the module
    // afresh and checks the export itself.
    if (isStillEvaluating(runnable.moduleUrl)) return runnable;
    return resolveTask(runnable);
  }
  if (typeof runnable !== "function") {
    throw new TaskDefinitionError(`${where}: expected a task (see task()), got ${typeof runnable}`);
  }
  if (!plan.capabilities.inProcess) {
    const name = runnable.name || "myTask";
    throw new TaskDefinitionError(
      `${where}: a plain function cannot run on plan ${String(plan)}, which runs tasks outside this thread. ` +
        `Declare it in a module and export it: \`export const ${name} = task(import.meta.url, "${name}", fn)\`, ` +
        `then pass ${name} to ${where}.`,
    );
  }
  const name = runnable.name || "anonymous";
  return declareTask(`parazarr-inline:${encodeURIComponent(name)}`, name, runnable);
}

function iterate<I>(where: string, inputs: Inputs<I>): Iterator<I> | AsyncIterator<I> {
  if (inputs != null && typeof (inputs as AsyncIterable<I>)[Symbol.asyncIterator] === "function") {
    return (inputs as AsyncIterable<I>)[Symbol.asyncIterator]();
  }
  if (inputs != null && typeof (inputs as Iterable<I>)[Symbol.iterator] === "function") {
    return (inputs as Iterable<I>)[Symbol.iterator]();
  }
  throw new PlanError(`${where}: inputs must be an array, an iterable or an async iterable, got ${typeof inputs}`, "inputs");
}

function knownLength(inputs: unknown): number | undefined {
  if (Array.isArray(inputs) || ArrayBuffer.isView(inputs)) return (inputs as { length: number }).length;
  if (inputs instanceof Set || inputs instanceof Map) return inputs.size;
  return undefined;
}
