import { sizingConcurrency, type Backend, type Capabilities, type PlanDefinition, type PlanSpec } from "../backend.js";
import { PlanClosedError, PlanError } from "../errors.js";

const PLAN = Symbol.for("parazarr.plan");

/**
 * An execution plan: cheap to create, describes itself, starts its workers
 * on first use and keeps them for later calls until it is closed.
 */
export interface Plan {
  readonly [PLAN]: true;
  readonly capabilities: Capabilities;
  /** `threads(8)`, `sequential()`: how the plan was made. */
  toString(): string;
  /** The started backend (starting it if needed). For core's scheduler. */
  acquire(): Promise<Backend>;
  /**
   * How many tasks run at once, which Zarr calls split their chunks for;
   * starts the workers. For an elastic plan, the workers it is heading for.
   */
  concurrency(): Promise<number>;
  /**
   * Stops the workers. Maps still running on it reject with PlanClosedError
   * (their running tasks' signals fire first). Idempotent; a closed plan
   * starts again if used again.
   */
  close(): Promise<void>;
  /**
   * For core's scheduler: registers a map running on `backend` (from
   * `acquire`), so that `close()` can stop it. Throws PlanClosedError when
   * the plan was closed since it handed out `backend`. Returns the detach.
   */
  attach(backend: Backend, run: RunningMap): () => void;
  /** The plan as data, when it can run as the inner level of a stack. */
  readonly spec: PlanSpec | undefined;
  /** This plan running `inner` on each of its machines: `[ssh({ hosts }), threads(4)]`. */
  nest(inner: Plan): Plan;
}

/** What `close()` needs of a running map. */
export interface RunningMap {
  cancel(error: unknown): void;
}

class DefinedPlan implements Plan {
  readonly [PLAN] = true as const;
  #starting: Promise<Backend> | undefined;
  #current: Backend | undefined;
  // Every backend this plan started: one of them that is not #current was closed.
  readonly #started = new WeakSet<Backend>();
  readonly #runs = new Set<RunningMap>();
  // Backends still closing: every close() waits for all of them.
  readonly #closing = new Set<Promise<void>>();

  constructor(private readonly definition: PlanDefinition) {}

  get capabilities(): Capabilities {
    return this.definition.capabilities;
  }

  get spec(): PlanSpec | undefined {
    return this.definition.spec;
  }

  nest(inner: Plan): Plan {
    const stack = `[${String(this)}, ${String(inner)}]`;
    if (this.definition.nest === undefined) {
      throw new PlanError(`plan ${stack}: ${String(this)} cannot be the outer level of a plan stack; only plans that distribute to machines (ssh, batch) can`, "plan");
    }
    if (inner.spec === undefined) {
      throw new PlanError(`plan ${stack}: ${String(inner)} cannot run as an inner level`, "plan");
    }
    return new DefinedPlan({ ...this.definition.nest(inner.spec, String(inner)), description: stack });
  }

  toString(): string {
    return this.definition.description;
  }

  acquire(): Promise<Backend> {
    if (this.#starting === undefined) {
      const starting = this.definition.start().then((backend) => {
        this.#started.add(backend);
        if (this.#starting === starting) this.#current = backend;
        return backend;
      });
      // A failed start is not cached and not retried here: the map that
      // asked fails with the start-up error, and only a later call tries again.
      starting.catch(() => {
        if (this.#starting === starting) this.#starting = undefined;
      });
      this.#starting = starting;
    }
    return this.#starting;
  }

  async concurrency(): Promise<number> {
    return sizingConcurrency(await this.acquire());
  }

  attach(backend: Backend, run: RunningMap): () => void {
    // A backend from elsewhere (core's inline runner) is not this plan's to stop.
    if (!this.#started.has(backend)) return () => {};
    if (backend !== this.#current) throw new PlanClosedError(String(this));
    this.#runs.add(run);
    return () => this.#runs.delete(run);
  }

  async close(): Promise<void> {
    const starting = this.#starting;
    this.#starting = undefined;
    this.#current = undefined;
    // Maps first: their batches are cancelled (tasks' signals fire) and they
    // reject with PlanClosedError, instead of waiting on workers that are
    // about to go, or being reported as crashes when those workers stop.
    const closed = new PlanClosedError(String(this));
    for (const run of this.#runs) run.cancel(closed);
    this.#runs.clear();
    if (starting !== undefined) {
      const closing = starting.catch(() => undefined).then((backend) => backend?.close());
      this.#closing.add(closing);
      void closing.finally(() => this.#closing.delete(closing)).catch(() => {});
    }
    // A close() made while an earlier one is still stopping workers waits for
    // it too: `void setPlan(b)` closes plan a, and `await a.close()` right
    // after must not resolve while a's workers still run.
    await Promise.all([...this.#closing]);
  }
}

export function definePlan(definition: PlanDefinition): Plan {
  return new DefinedPlan(definition);
}

export function isPlan(value: unknown): value is Plan {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[PLAN] === true;
}
