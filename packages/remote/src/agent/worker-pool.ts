/**
 * The agent's worker threads. The agent hands each thread one batch at a
 * time and keeps the rest in its own queue, so a thread that dies is known
 * to have died under exactly one batch, and a free thread pulls the next
 * batch at once instead of waiting for the coordinator (a round trip over
 * SSH, seconds through S3).
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { match } from "ts-pattern";
import { collectTransferables, type BatchMessage, type FromWorker } from "@parazarr/core/worker";
import type { FromAgent } from "../agent-protocol.js";
import type { WorkerThreadData } from "./worker-thread.js";

interface Slot {
  readonly name: string;
  worker: Worker;
  ready: boolean;
  running: BatchMessage | undefined;
  /** Set while the running batch is being cancelled: its answer is dropped, its exit is no loss. */
  cancelling: boolean;
  lastError: string | undefined;
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: BatchMessage[] = [];
  #stopping = false;
  #lastAssigned = -1;
  #started = false;
  #startup: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly entry: URL,
    private readonly send: (message: FromAgent) => void,
    private readonly resourceLimits: ResourceLimits | undefined = undefined,
  ) {}

  /** Starts `count` threads; resolves when each said `ready`, rejects if one dies first. */
  start(count: number, agentName: string): Promise<void> {
    const started = new Promise<void>((resolve, reject) => (this.#startup = { resolve, reject }));
    for (let i = 1; i <= count; i++) {
      const slot: Slot = { name: `${agentName} worker ${i}`, worker: undefined as never, ready: false, running: undefined, cancelling: false, lastError: undefined };
      this.#slots.push(slot);
      this.#spawn(slot);
    }
    return started;
  }

  submit(batch: BatchMessage): void {
    this.#queue.push(batch);
    this.#pump();
  }

  /**
   * A queued batch is dropped. A running one is told through core's cancel
   * message (its task's signal fires); the thread answers `batch-cancelled`
   * when it is free again (or the batch's own result, if it finished first),
   * and it stays warm (loaded modules, open store connections).
   */
  cancel(batchId: number): void {
    const queued = this.#queue.findIndex((b) => b.batchId === batchId);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      this.send({ type: "batch-cancelled", batchId });
      return;
    }
    const slot = this.#slots.find((s) => s.running?.batchId === batchId);
    if (slot === undefined || slot.running === undefined || slot.cancelling) return;
    slot.cancelling = true;
    slot.worker.postMessage({ type: "cancel", batchId });
  }

  /**
   * core's `stop`, one grace period after the cancel: a task that ignored
   * its signal has its thread ended, and a fresh thread takes its place.
   * A batch that is over by now is left alone.
   */
  end(batchId: number): void {
    this.cancel(batchId);
    const slot = this.#slots.find((s) => s.running?.batchId === batchId);
    if (slot !== undefined) void slot.worker.terminate();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#queue.length = 0;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  #spawn(slot: Slot): void {
    const data: WorkerThreadData = { name: slot.name };
    // stdout: true keeps a task's console.log off the agent's stdout, which
    // may be its transport (ssh's frames); it goes to stderr, which the
    // coordinator shows (ssh) or the child's log keeps (batch).
    const worker = new Worker(this.entry, { workerData: data, stdout: true, ...(this.resourceLimits ? { resourceLimits: this.resourceLimits } : {}) });
    worker.stdout.pipe(process.stderr);
    slot.worker = worker;
    slot.ready = false;
    slot.cancelling = false;
    slot.lastError = undefined;
    worker.on("message", (message: FromWorker) => this.#onMessage(slot, message));
    worker.on("error", (error) => (slot.lastError = `${error.name}: ${error.message}`));
    worker.on("exit", (code) => {
      if (slot.worker === worker) this.#onExit(slot, code);
    });
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    match(message)
      .with({ type: "ready" }, () => {
        slot.ready = true;
        if (!this.#started && this.#slots.every((s) => s.ready)) {
          this.#started = true;
          this.#startup?.resolve();
        }
        this.#pump();
      })
      .with({ type: "batch-result" }, (result) => {
        // A cancelled batch that finished before it saw the cancel: nobody wants its result, only that it is over.
        this.send(slot.cancelling ? { type: "batch-cancelled", batchId: result.batchId } : result);
        this.#batchOver(slot, result.batchId);
      })
      .with({ type: "batch-cancelled" }, (over) => {
        this.send(over);
        this.#batchOver(slot, over.batchId);
      })
      .with({ type: "fatal" }, (fatal) => this.send(fatal))
      .exhaustive();
  }

  /** The thread is free again: the batch it ran has ended, one way or the other. */
  #batchOver(slot: Slot, batchId: number): void {
    if (slot.running?.batchId === batchId) {
      slot.cancelling = false;
      slot.running = undefined;
    }
    this.#pump();
  }

  #onExit(slot: Slot, code: number): void {
    const running = slot.running;
    const cancelled = slot.cancelling;
    slot.running = undefined;
    if (this.#stopping) return;
    if (!slot.ready) {
      // A thread that cannot start is not respawned in a loop: the agent
      // fails (at start-up), or says it cannot go on (a replacement thread).
      const error = new Error(`${slot.name} exited with code ${code} while starting${slot.lastError ? `: ${slot.lastError}` : ""}`);
      if (this.#started) this.send({ type: "fatal", error: { name: error.name, message: error.message, fields: {} } });
      else this.#startup?.reject(error);
      return;
    }
    // A cancelled batch whose thread was ended (core's stop) is over.
    if (running !== undefined && cancelled) this.send({ type: "batch-cancelled", batchId: running.batchId });
    if (running !== undefined && !cancelled) {
      const reason = slot.lastError ? `its thread died: ${slot.lastError}` : `its thread exited with code ${code}`;
      this.send({ type: "worker-lost", batchId: running.batchId, worker: slot.name, reason, exitCode: code });
    }
    this.#spawn(slot);
  }

  /** Free threads take batches in turn (round robin), so every thread stays warm and gets its share. */
  #pump(): void {
    const count = this.#slots.length;
    const start = this.#lastAssigned;
    for (let step = 1; step <= count; step++) {
      const index = (start + step) % count;
      const slot = this.#slots[index] as Slot;
      if (!slot.ready || slot.running !== undefined) continue;
      const batch = this.#queue.shift();
      if (batch === undefined) return;
      slot.running = batch;
      this.#lastAssigned = index;
      // Inputs that own their whole buffer are ours alone (just decoded): move them.
      // Views of the received frame are copied (collectTransferables skips them).
      const transfer = batch.items.flatMap((item) => collectTransferables(item.input));
      slot.worker.postMessage(batch, transfer);
    }
  }
}
