/**
 * The started slurm plan: one array job, its tasks joining over TCP as
 * they start, and the one queue in front of them.
 *
 * Elastic. Tasks start when Slurm schedules them, perhaps much later than
 * others, perhaps never; `concurrency` counts the threads of the tasks
 * connected now, `targetConcurrency` those asked for, and core hears of
 * every change. Batches wait in the queue until a task has a free slot
 * (two per thread: one running, one waiting, so a thread never idles for a
 * round trip).
 *
 * Losing a task. A task that leaves (scancel, TIMEOUT, NODE_FAIL,
 * PREEMPTED, OUT_OF_MEMORY, its connection cut, or silent past its
 * heartbeats) rejects its batches with core's WorkerLostError, carrying
 * Slurm's state for it and the tail of its output: core's retries run them
 * again on the tasks left, and the user's retry budget decides. When no
 * task is left and none is coming, queued batches fail the same way.
 *
 * PENDING. While no task is connected and the job stays PENDING past
 * pendingTimeoutMs, the job is cancelled and every batch fails with
 * SlurmPendingError and Slurm's reason.
 */
import { match } from "ts-pattern";
import { WorkerLostError, type Backend, type BatchHooks, type BatchMessage } from "@parazarr/core/backend";
import { isModuleBundleError, type FromAgent, type Shipper } from "@parazarr/remote";
import { cancelJob, type RunCommand } from "./commands.js";
import { SlurmPendingError } from "./errors.js";
import type { TaskLink, TaskListener } from "./listener.js";
import type { ResolvedOptions } from "./options.js";
import type { RunDir } from "./run-dir.js";
import { LIVE_STATES, type SqueueReader, type TaskState } from "./squeue.js";

const SLOTS_PER_THREAD = 2;
const POLL_MS = 2_000;
const HEARTBEAT_MS = 5_000;
const MISSED_HEARTBEATS = 3;
const CLOSE_WAIT_MS = 30_000;

interface Job {
  readonly wireId: number;
  readonly batch: BatchMessage;
  readonly hooks: BatchHooks;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
  link: TaskLink | undefined;
  settled: boolean;
  cancelled: boolean;
}

export interface SlurmRun {
  readonly jobId: string;
  readonly options: ResolvedOptions;
  readonly run: RunCommand;
  readonly squeue: SqueueReader;
  readonly runDir: RunDir;
  readonly shipper: Shipper;
  readonly listener: TaskListener;
  /** Stops the process-exit hook (close did its work). */
  readonly unhook: () => void;
}

export class SlurmBackend implements Backend {
  readonly targetConcurrency: number;
  readonly #queue: Job[] = [];
  readonly #links = new Map<TaskLink, Map<number, Job>>();
  readonly #listeners = new Set<() => void>();
  /** Slurm's last word on each task. */
  #states = new Map<number, TaskState>();
  /** Why the plan can run nothing more (PENDING too long, every task gone). */
  #fatal: Error | undefined;
  #nextWireId = 1;
  #closed = false;
  /** Since when no task has been connected (performance.now()). */
  #idleSince = performance.now();
  #everJoined = false;
  readonly #poll: NodeJS.Timeout;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(private readonly slurm: SlurmRun) {
    this.targetConcurrency = slurm.options.workers * slurm.options.threadsPerWorker;
    this.#poll = setInterval(() => void this.#watch(), POLL_MS).unref();
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS).unref();
  }

  get concurrency(): number {
    return this.#links.size * this.slurm.options.threadsPerWorker;
  }

  get jobId(): string {
    return this.slurm.jobId;
  }

  onConcurrencyChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A task proved itself and is ready (listener.ts). */
  join(link: TaskLink): void {
    if (this.#closed || this.#fatal !== undefined) return link.shutdown();
    this.#links.set(link, new Map());
    this.#everJoined = true;
    link.listen(
      (message) => this.#onMessage(link, message),
      (reason) => void this.#onLost(link, reason),
    );
    this.#changed();
  }

  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    if (hooks.signal.aborted) return Promise.reject(hooks.signal.reason);
    if (this.#closed) return Promise.reject(new Error(`the slurm plan (job ${this.jobId}) was closed`));
    if (this.#fatal !== undefined) return Promise.reject(this.#fatal);
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.#abort(job);
      const job: Job = {
        wireId: this.#nextWireId++, batch, hooks, resolve, reject,
        detach: () => hooks.signal.removeEventListener("abort", onAbort),
        link: undefined, settled: false, cancelled: false,
      };
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#poll);
    clearInterval(this.#heartbeat);
    const closing = new Error(`the slurm plan (job ${this.jobId}) was closed`);
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(closing));
    for (const [link, jobs] of this.#links) {
      for (const job of jobs.values()) this.#settle(job, () => job.reject(closing));
      link.shutdown();
    }
    this.#links.clear();
    this.slurm.listener.close();
    await this.#cancelAndWait();
    this.slurm.runDir.removeSecret();
    this.slurm.unhook();
  }

  /** scancel, then wait (bounded) until squeue shows none of the job's tasks: close leaves nothing queued or running. */
  async #cancelAndWait(): Promise<void> {
    const deadline = performance.now() + CLOSE_WAIT_MS;
    await cancelJob(this.slurm.run, this.jobId);
    while (performance.now() < deadline) {
      const tasks = await this.slurm.squeue.tasks(this.jobId).catch(() => []);
      if (tasks.every((t) => !LIVE_STATES.has(t.state) && t.state !== "COMPLETING")) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
    this.#pump();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let best: { link: TaskLink; free: number } | undefined;
      for (const [link, jobs] of this.#links) {
        const free = this.slurm.options.threadsPerWorker * SLOTS_PER_THREAD - jobs.size;
        if (free > 0 && (best === undefined || free > best.free)) best = { link, free };
      }
      if (best === undefined) break;
      this.#send(best.link, this.#queue.shift() as Job);
    }
    this.#updateRefs();
  }

  /** A script that never calls close() must still exit: a link holds the event loop only while work waits or runs. */
  #updateRefs(): void {
    const waiting = this.#queue.length > 0;
    let running = false;
    for (const [link, jobs] of this.#links) {
      link.setRef(waiting || jobs.size > 0);
      running ||= jobs.size > 0;
    }
    // While batches wait for a task Slurm has not started yet, no link exists to hold the
    // event loop: the squeue watch does, or a script awaiting its first map would just end (exit 13).
    if (waiting || running) this.#poll.ref();
    else this.#poll.unref();
  }

  #send(link: TaskLink, job: Job): void {
    job.link = link;
    this.#links.get(link)?.set(job.wireId, job);
    const stillHere = () => !job.settled && !job.cancelled && job.link === link;
    // The modules go to the shared staging directory once, for every task.
    this.slurm.shipper.shipBatch(job.batch).then((shipped) => {
      if (job.cancelled && job.link === link) return this.#cancelOver(job);
      if (!stillHere()) return;
      link.send({ ...shipped, batchId: job.wireId });
    }).catch((error: unknown) => {
      if (!stillHere()) return;
      this.#settle(job, () => job.reject(error));
      if (!isModuleBundleError(error) && (error as Error).name !== "DataCloneError") this.#pump();
    });
  }

  #abort(job: Job): void {
    if (job.settled || job.cancelled) return;
    const link = job.link;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (link === undefined) {
      this.#settle(job, () => job.reject(job.hooks.signal.reason));
      return this.#pump();
    }
    // Settled when the agent says the batch is over: its task may still be storing chunks until then.
    job.cancelled = true;
    const send = (type: "cancel" | "stop") => {
      try {
        link.send({ type, batchId: job.wireId });
      } catch {
        // the link is going away: its loss settles the job
      }
    };
    send("cancel");
    if (job.hooks.stop.aborted) send("stop");
    else job.hooks.stop.addEventListener("abort", () => send("stop"), { once: true });
  }

  #cancelOver(job: Job): void {
    this.#settle(job, () => job.reject(job.hooks.signal.reason));
    this.#pump();
  }

  #settle(job: Job, finish: () => void): void {
    if (job.settled) return;
    job.settled = true;
    job.detach();
    if (job.link !== undefined) this.#links.get(job.link)?.delete(job.wireId);
    job.link = undefined;
    finish();
  }

  #onMessage(link: TaskLink, message: FromAgent): void {
    match(message)
      .with({ type: "batch-result" }, (result) => {
        const job = this.#links.get(link)?.get(result.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        this.#settle(job, () => {
          for (const outcome of result.outcomes) job.hooks.report(outcome, result.worker);
          job.resolve();
        });
        this.#pump();
      })
      .with({ type: "batch-cancelled" }, ({ batchId }) => {
        const job = this.#links.get(link)?.get(batchId);
        if (job !== undefined) this.#cancelOver(job);
      })
      .with({ type: "worker-lost" }, (lost) => {
        const job = this.#links.get(link)?.get(lost.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        const details = { pid: link.info.pid, ...(lost.exitCode !== undefined ? { exitCode: lost.exitCode } : {}) };
        this.#settle(job, () => job.reject(new WorkerLostError(lost.reason, lost.worker, details)));
        this.#pump();
      })
      .with({ type: "fatal" }, (fatal) => link.drop(`its agent failed: ${fatal.error.message}`))
      .with({ type: "ready" }, () => {})
      .exhaustive();
  }

  async #onLost(link: TaskLink, reason: string): Promise<void> {
    const jobs = this.#links.get(link);
    if (jobs === undefined) return;
    this.#links.delete(link);
    if (this.#links.size === 0) this.#idleSince = performance.now();
    this.#changed();
    if (this.#closed) return;
    const why = await this.#taskReport(link.index, reason);
    for (const job of jobs.values()) {
      if (job.cancelled) this.#settle(job, () => job.reject(job.hooks.signal.reason));
      else this.#settle(job, () => job.reject(new WorkerLostError(why, `slurm task ${this.jobId}_${link.index}`, { pid: link.info.pid })));
    }
    this.#pump();
  }

  /** Why a task went, in Slurm's words and its own: state, reason, the tail of its output. */
  async #taskReport(index: number, reason: string): Promise<string> {
    await this.#watch();
    return this.#describeTask(index, reason);
  }

  async #describeTask(index: number, reason: string): Promise<string> {
    const state = this.#states.get(index);
    const slurmSays = state === undefined ? "" : `; Slurm: ${state.state}${state.reason !== "None" ? ` (${state.reason})` : ""}`;
    const tail = await this.slurm.runDir.outputTail(index);
    return `${reason}${slurmSays}${tail ? `; its last output: ${tail}` : ""}`;
  }

  #beat(): void {
    const now = performance.now();
    for (const link of this.#links.keys()) {
      if (now - link.lastHeardAt > HEARTBEAT_MS * MISSED_HEARTBEATS) link.drop(`silent for ${MISSED_HEARTBEATS} heartbeats (${(HEARTBEAT_MS * MISSED_HEARTBEATS) / 1000} s)`);
      else {
        try {
          link.send({ type: "ping" });
        } catch {
          // its loss is on its way
        }
      }
    }
  }

  #watching: Promise<void> | undefined;

  #watch(): Promise<void> {
    this.#watching ??= this.#readSqueue().finally(() => (this.#watching = undefined));
    return this.#watching;
  }

  async #readSqueue(): Promise<void> {
    if (this.#closed || this.#fatal !== undefined) return;
    let tasks: TaskState[];
    try {
      tasks = await this.slurm.squeue.tasks(this.jobId);
    } catch {
      return; // a busy controller: the next poll asks again
    }
    for (const task of tasks) this.#states.set(task.index, task);
    // A task Slurm says has ended while its connection still looks open (NODE_FAIL: the node is gone, its TCP not yet).
    for (const link of this.#links.keys()) {
      const state = this.#states.get(link.index);
      if (state !== undefined && !LIVE_STATES.has(state.state) && state.state !== "COMPLETING") link.drop(`Slurm says it is ${state.state}`);
    }
    if (this.#links.size > 0) return;
    const pending = tasks.filter((t) => t.state === "PENDING");
    const waited = performance.now() - this.#idleSince;
    // "None" is Slurm's reason before its scheduler has looked at the job: wait for a real one (for at most another timeout).
    const reason = pending.find((t) => t.reason !== "None")?.reason;
    const timeout = this.slurm.options.pendingTimeoutMs;
    if (pending.length > 0 && !this.#everJoined && waited > timeout && (reason !== undefined || waited > 2 * timeout)) {
      return this.#fail(new SlurmPendingError(this.jobId, reason ?? "None", waited, this.slurm.options.partition));
    }
    const coming = tasks.some((t) => LIVE_STATES.has(t.state));
    if (!coming && (this.#everJoined || waited > POLL_MS * 3)) {
      const index = [...this.#states.keys()][0] ?? 0;
      const reason = `every task of job ${this.jobId} has ended and none is coming`;
      this.#fail(new WorkerLostError(await this.#describeTask(index, reason), `slurm job ${this.jobId}`));
    }
  }

  #fail(error: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    void cancelJob(this.slurm.run, this.jobId);
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(error));
    this.#updateRefs();
  }
}
