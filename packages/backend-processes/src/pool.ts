/**
 * The started `processes(n)` backend: n worker slots, a queue of batches,
 * one batch per worker at a time. Retries, batching and progress are
 * core's; the pool places batches, replaces dead workers, and says which
 * worker was lost and how.
 *
 * One batch per worker, not two: core's batch ids are per map call, so two
 * maps sharing this plan can send the same id, and a worker holding two
 * batches could cancel the wrong one. It also keeps a crash or a cancel to
 * the one batch that was running. Auto batching recovers the lost overlap.
 */
import { match } from "ts-pattern";
import { PlanError, WorkerLostError, type Backend, type BatchHooks, type BatchMessage } from "@parazarr/core/backend";
import type { ExitReason } from "./exit-reason.js";
import { WorkerProcess, type BatchResult, type WorkerSpec } from "./worker-process.js";

interface Job {
  readonly batch: BatchMessage;
  readonly hooks: BatchHooks;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  /** Sent to a worker that was already dead: it never ran, so it is not charged to the crash. */
  undelivered: boolean;
}

type SlotState =
  | { readonly kind: "starting"; readonly worker: WorkerProcess }
  | { readonly kind: "idle"; readonly worker: WorkerProcess }
  | { readonly kind: "busy"; readonly worker: WorkerProcess; readonly job: Job }
  /** Told to cancel its batch; free again once that batch's `batch-cancelled` (or late result) comes back. */
  | { readonly kind: "draining"; readonly worker: WorkerProcess; readonly batchId: number; readonly release: () => void }
  | { readonly kind: "failed"; readonly error: PlanError }
  | { readonly kind: "closed" };

interface Slot {
  state: SlotState;
}

const SHUTDOWN_GRACE_MS = 2_000;
/** An idle worker that dies this soon after `ready` counts as one that failed to start. */
const EARLY_DEATH_MS = 5_000;

export class ProcessPool implements Backend {
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  // Workers we killed, still exiting: close() waits for them too.
  readonly #retiring = new Set<WorkerProcess>();
  // Probe batches get negative ids: core's batch ids are positive.
  // Workers that were given a batch: one that dies idle before that is a start-up failure.
  readonly #worked = new WeakSet<WorkerProcess>();
  #startingUp = true;
  #closed = false;

  private constructor(
    private readonly spec: WorkerSpec,
    workers: number,
  ) {
    this.#slots = Array.from({ length: workers }, () => ({ state: { kind: "closed" } as SlotState }));
    for (const slot of this.#slots) this.#spawn(slot);
  }

  /**
   * Starts every worker and waits until all are ready. If one cannot start,
   * the others are stopped and start() fails with that worker's own error:
   * the map that asked fails, nothing is respawned.
   */
  static async start(spec: WorkerSpec, workers: number): Promise<ProcessPool> {
    const pool = new ProcessPool(spec, workers);
    try {
      await Promise.all(
        pool.#slots.map((slot) =>
          match(slot.state)
            .with({ kind: "starting" }, ({ worker }) => worker.ready)
            .with({ kind: "failed" }, ({ error }) => Promise.reject(error))
            .otherwise(() => undefined),
        ),
      );
    } catch (error) {
      await pool.close();
      throw error;
    }
    pool.#startingUp = false;
    pool.#pump();
    return pool;
  }

  get concurrency(): number {
    return this.#slots.length;
  }

  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.#closed) return reject(new PlanError(`${this.spec.plan} was closed`));
      if (hooks.signal.aborted) return reject(hooks.signal.reason);
      const job: Job = { batch, hooks, resolve, reject, undelivered: false };
      hooks.signal.addEventListener("abort", () => this.#cancel(job), { once: true });
      this.#queue.push(job);
      // New work for a pool whose every replacement failed to start gets one
      // new attempt; a failure by itself never triggers another (no respawn loop).
      if (this.#slots.every((slot) => slot.state.kind === "failed")) {
        for (const slot of this.#slots) this.#spawn(slot);
      }
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closed = new PlanError(`${this.spec.plan} was closed while this batch was waiting or running`);
    for (const job of this.#queue.splice(0)) job.reject(closed);
    const stopping = [...this.#retiring].map((worker) => worker.exited.then(() => {}));
    for (const slot of this.#slots) {
      const state = slot.state;
      slot.state = { kind: "closed" };
      match(state)
        .with({ kind: "starting" }, ({ worker }) => stopping.push(worker.shutdown(0)))
        .with({ kind: "idle" }, ({ worker }) => stopping.push(worker.shutdown(SHUTDOWN_GRACE_MS)))
        // A running batch is over only once its worker is gone (see #cancel).
        .with({ kind: "busy" }, ({ worker, job }) => {
          stopping.push(worker.shutdown(SHUTDOWN_GRACE_MS).then(() => job.reject(closed)));
        })
        .with({ kind: "draining" }, ({ worker, release }) => {
          stopping.push(worker.shutdown(SHUTDOWN_GRACE_MS).then(release));
        })
        .with({ kind: "failed" }, { kind: "closed" }, () => {})
        .exhaustive();
    }
    await Promise.all(stopping);
  }

  #spawn(slot: Slot): void {
    let worker: WorkerProcess;
    try {
      worker = new WorkerProcess(this.spec, {
        onResult: (result) => this.#onResult(slot, worker, result),
        onCancelled: (batchId) => this.#onBatchOver(slot, worker, batchId),
        onLost: (reason) => this.#onLost(slot, worker, reason),
      });
    } catch (error) {
      // fork itself refused (this process is a cluster worker, out of PIDs):
      // a start-up failure like any other, never thrown from an event handler.
      const message = error instanceof Error ? error.message : String(error);
      this.#startFailed(slot, error instanceof PlanError ? error : new PlanError(`${this.spec.plan}: ${message}`));
      return;
    }
    slot.state = { kind: "starting", worker };
    worker.ready.then(
      () => {
        if (slot.state.kind !== "starting" || slot.state.worker !== worker) return;
        slot.state = { kind: "idle", worker };
        this.#pump();
      },
      (error: unknown) => {
        if (slot.state.kind !== "starting" || slot.state.worker !== worker) return;
        this.#startFailed(slot, error instanceof PlanError ? error : new PlanError(String(error)));
      },
    );
  }

  #pump(): void {
    if (this.#closed || this.#startingUp) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      // A worker whose channel closed is dying; its 'exit' will bring a replacement.
      if (slot.state.kind === "idle" && slot.state.worker.connected) {
        this.#dispatch(slot, slot.state.worker, this.#queue.shift()!);
      }
    }
    // Nothing can ever run what is left: every worker failed to start.
    if (this.#queue.length > 0 && this.#slots.every((slot) => slot.state.kind === "failed")) {
      const failed = this.#slots[0]!.state;
      const error = failed.kind === "failed" ? failed.error : new PlanError(`${this.spec.plan}: no worker is running`);
      for (const job of this.#queue.splice(0)) job.reject(error);
    }
    this.#updateRefs();
  }

  #dispatch(slot: Slot, worker: WorkerProcess, job: Job): void {
    try {
      job.undelivered = false;
      worker.send(job.batch, () => (job.undelivered = true));
    } catch (error) {
      // An input that cannot be serialized: the worker never saw the batch.
      job.reject(error);
      return;
    }
    slot.state = { kind: "busy", worker, job };
    this.#worked.add(worker);
  }

  #onResult(slot: Slot, worker: WorkerProcess, result: BatchResult): void {
    const state = slot.state;
    if (state.kind === "busy" && state.worker === worker && state.job.batch.batchId === result.batchId) {
      slot.state = { kind: "idle", worker };
      for (const outcome of result.outcomes) state.job.hooks.report(outcome, result.worker);
      state.job.resolve();
      this.#pump();
      return;
    }
    // The result of a batch that was cancelled: nobody wants it, but it says the worker is free.
    this.#onBatchOver(slot, worker, result.batchId);
  }

  /** The cancelled batch has ended (or had finished before the cancel arrived): keep this warm worker. */
  #onBatchOver(slot: Slot, worker: WorkerProcess, batchId: number): void {
    const state = slot.state;
    if (state.kind !== "draining" || state.worker !== worker || state.batchId !== batchId) return;
    state.release();
    slot.state = { kind: "idle", worker };
    this.#pump();
  }

  /** It died under us (killed from outside, out of memory, exit()): only its own batch fails, and it is replaced. */
  #onLost(slot: Slot, worker: WorkerProcess, { reason, details }: ExitReason): void {
    const state = slot.state;
    if (!("worker" in state) || state.worker !== worker) return;
    match(state)
      .with({ kind: "busy" }, ({ job }) => {
        // A worker killed while idle can be handed a batch before its death is
        // noticed; the batch bounced (EPIPE), so it simply waits for another worker.
        if (job.undelivered) this.#queue.unshift(job);
        else job.reject(new WorkerLostError(reason, worker.name, details));
      })
      .with({ kind: "draining" }, ({ release }) => release())
      .with({ kind: "idle" }, { kind: "starting" }, () => {})
      .exhaustive();
    if (this.#closed) return;
    if (state.kind === "idle" && !this.#worked.has(worker) && worker.upMs < EARLY_DEATH_MS) {
      // Ready, then dead at once, before it was given anything: its start-up
      // is what kills it (a preload that exits, say). Replacing it would loop.
      this.#startFailed(slot, new PlanError(`${this.spec.plan}: worker ${worker.name} died right after it started (${reason})`));
      return;
    }
    this.#spawn(slot);
    this.#pump();
  }

  /** No new attempt until new work arrives; start() reports its own failures. */
  #startFailed(slot: Slot, error: PlanError): void {
    slot.state = { kind: "failed", error };
    if (this.#startingUp || this.#closed) return;
    process.emitWarning(`parazarr: ${error.message}\n(it was replacing a lost worker; the plan carries on with the workers it has)`);
    this.#pump();
  }

  /**
   * The scheduler gave up on a batch. A queued one is dropped. A running one
   * is told to stop through its task's signal, and the worker is killed if
   * the task has not stopped when core's `hooks.stop` fires (one grace
   * period later, core's policy). Cancelling is routine
   * (every fail-fast map cancels its other batches), and a kill would cost a
   * process start and every store and codec the worker keeps warm; but only
   * a kill stops a task that never looks at its signal (a compute loop, a
   * blocking native call), so preemptsRunning holds for every task.
   */
  #cancel(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      job.reject(job.hooks.signal.reason);
      this.#updateRefs();
      return;
    }
    const slot = this.#slots.find((s) => s.state.kind === "busy" && s.state.job === job);
    if (slot === undefined || slot.state.kind !== "busy") return;
    const { worker } = slot.state;
    const { batchId } = job.batch;
    const { stop } = job.hooks;
    const onStop = () => this.#preempt(slot, worker);
    stop.addEventListener("abort", onStop, { once: true });
    // The batch is rejected only once it is really over (it answered the
    // cancel, finished, or its worker is gone), not when the cancel is sent:
    // a write's chunks pass to the next write only when no task of it can
    // still store one (core's Scheduler.settled()).
    const release = () => {
      stop.removeEventListener("abort", onStop);
      job.reject(job.hooks.signal.reason);
    };
    slot.state = { kind: "draining", worker, batchId, release };
    worker.send({ type: "cancel", batchId });
    this.#updateRefs();
    if (stop.aborted) onStop();
  }

  #preempt(slot: Slot, worker: WorkerProcess): void {
    if (slot.state.kind !== "draining" || slot.state.worker !== worker) return;
    const { release } = slot.state;
    this.#retiring.add(worker);
    // Referenced until it has exited: its batch settles only then, and core awaits that.
    worker.setRef(true);
    worker.kill();
    void worker.exited.then(() => {
      this.#retiring.delete(worker);
      release();
    });
    this.#spawn(slot);
    this.#pump();
  }

  /**
   * A script that never calls close() must still exit: idle workers hold no
   * reference on the event loop. Busy ones do (the map awaits them), and so
   * do draining ones: a cancelled batch settles only once its task is over,
   * and core waits for that (Scheduler.settled()) before a write hands its
   * chunks on. Unreferenced, a draining worker that died let the event loop
   * run dry before its 'exit' arrived: the awaited batch never settled and
   * Node quit with exit code 13 (an interrupted convert on processes).
   * Starting ones hold a reference while work waits for them.
   */
  #updateRefs(): void {
    const waiting = this.#queue.length > 0 || this.#startingUp;
    for (const { state } of this.#slots) {
      match(state)
        .with({ kind: "busy" }, { kind: "draining" }, ({ worker }) => worker.setRef(true))
        .with({ kind: "starting" }, ({ worker }) => worker.setRef(waiting))
        .with({ kind: "idle" }, ({ worker }) => worker.setRef(false))
        .with({ kind: "failed" }, { kind: "closed" }, () => {})
        .exhaustive();
    }
  }
}
