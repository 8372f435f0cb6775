/**
 * The agent's worker threads. The agent hands each thread one batch at a
 * time and keeps the rest in its own queue, so a thread that dies is known
 * to have died under exactly one batch, and a free thread pulls the next
 * batch at once instead of waiting for the coordinator.
 */
import { Worker } from "node:worker_threads";
import { match } from "ts-pattern";
import { collectTransferables, type BatchMessage, type FromWorker } from "@parazarr/core/worker";
import type { FromAgent } from "../agent-protocol.js";
import type { WorkerThreadData } from "./worker-thread.js";

interface Slot {
  readonly name: string;
  worker: Worker;
  ready: boolean;
  running: BatchMessage | undefined;
  /** Set when we terminated the thread to cancel its batch: its exit is not a loss. */
  cancelled: boolean;
  lastError: string | undefined;
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: BatchMessage[] = [];
  #stopping = false;
  #startup: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly entry: URL,
    private readonly send: (message: FromAgent) => void,
  ) {}

  /** Starts `count` threads; resolves when each said `ready`, rejects if one dies first. */
  start(count: number, host: string): Promise<void> {
    const started = new Promise<void>((resolve, reject) => (this.#startup = { resolve, reject }));
    for (let i = 1; i <= count; i++) {
      const slot: Slot = { name: `${host} worker ${i}`, worker: undefined as never, ready: false, running: undefined, cancelled: false, lastError: undefined };
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
   * A queued batch is dropped; a running one is stopped by ending its
   * thread (a fresh one takes its place). core's serveWorker says nothing
   * about an aborted batch, so only ending the thread tells us when the
   * thread is free again — and it stops the task for sure.
   */
  cancel(batchId: number): void {
    const queued = this.#queue.findIndex((b) => b.batchId === batchId);
    if (queued >= 0) this.#queue.splice(queued, 1);
    const slot = this.#slots.find((s) => s.running?.batchId === batchId);
    if (slot !== undefined && !slot.cancelled) {
      slot.cancelled = true;
      void slot.worker.terminate();
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#queue.length = 0;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }

  #spawn(slot: Slot): void {
    const data: WorkerThreadData = { name: slot.name };
    // stdout: true keeps a task's console.log off the agent's stdout, which
    // carries frames only; it goes to stderr, which the coordinator shows.
    const worker = new Worker(this.entry, { workerData: data, stdout: true });
    worker.stdout.pipe(process.stderr);
    slot.worker = worker;
    slot.ready = false;
    slot.cancelled = false;
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
        if (this.#slots.every((s) => s.ready)) this.#startup?.resolve();
        this.#pump();
      })
      .with({ type: "batch-result" }, (result) => {
        if (slot.running?.batchId === result.batchId) slot.running = undefined;
        if (!slot.cancelled) this.send(result);
        this.#pump();
      })
      .with({ type: "fatal" }, (fatal) => this.send(fatal))
      .exhaustive();
  }

  #onExit(slot: Slot, code: number): void {
    const running = slot.running;
    slot.running = undefined;
    if (this.#stopping) return;
    if (!slot.ready && !slot.cancelled) {
      // A thread that cannot start is not respawned in a loop: the agent fails.
      this.#startup?.reject(new Error(`${slot.name} exited with code ${code} while starting${slot.lastError ? `: ${slot.lastError}` : ""}`));
      return;
    }
    if (running !== undefined && !slot.cancelled) {
      const reason = slot.lastError ? `its thread died: ${slot.lastError}` : `its thread exited with code ${code}`;
      this.send({ type: "worker-lost", batchId: running.batchId, worker: slot.name, reason, exitCode: code });
    }
    this.#spawn(slot);
  }

  #pump(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.running !== undefined || slot.cancelled) continue;
      const batch = this.#queue.shift();
      if (batch === undefined) return;
      slot.running = batch;
      // Inputs were just deserialized from a frame: nobody else holds them, move them.
      const transfer = batch.items.flatMap((item) => collectTransferables(item.input));
      slot.worker.postMessage(batch, transfer);
    }
  }
}
