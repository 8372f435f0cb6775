/**
 * The started ssh plan: the hosts, and the one queue in front of them.
 *
 * Pull scheduling. `runBatch` only queues a batch; a host takes the next
 * one when it has a free slot (two per worker thread: one running, one
 * waiting at the agent so a thread never idles for a round trip). A slow
 * host frees slots slowly and so simply gets less.
 *
 * Host loss. When a host drops (connection closed, keepalive timeout,
 * agent exit, failed upload) its batches go back to the front of the queue
 * and run on the other hosts, here rather than through core's retries:
 * losing a machine says nothing about the task, so it must not cost the
 * user's retry budget — a map with no `retries` still completes, with
 * exact results, when one host of three is killed. Results from the lost
 * host can no longer arrive (its connection is gone and late frames are
 * dropped by id), so each item is reported once. Only two cases surface as
 * core's WorkerLostError, where core's retry policy rightly decides: a
 * worker thread that died under a batch (the task may be the cause, e.g.
 * process.exit), and a batch under which two hosts were lost (it may be
 * what brings hosts down). When no host is left, every batch fails with a
 * WorkerLostError that lists each host and why it was lost.
 */
import { match } from "ts-pattern";
import { WorkerLostError, type Backend, type BatchHooks, type BatchMessage } from "@parazarr/core/backend";
import { isModuleBundleError, type FromAgent } from "@parazarr/remote";
import type { Host } from "./host.js";

const SLOTS_PER_WORKER = 2;
const HOST_LOSSES_BEFORE_GIVING_UP = 2;

interface Job {
  /** The id on the wire: core's batch ids restart with every map, and maps may share a plan. */
  readonly wireId: number;
  readonly batch: BatchMessage;
  readonly hooks: BatchHooks;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
  /** The host it was sent to, while it is there. */
  host: Host | undefined;
  /** Hosts lost while this batch ran on them. */
  readonly lostOn: string[];
  settled: boolean;
  /** Cancelled while on a host: settled (rejected) once the agent says the batch is over. */
  cancelled: boolean;
}

export class SshBackend implements Backend {
  readonly concurrency: number;
  readonly #queue: Job[] = [];
  readonly #assigned = new Map<Host, Map<number, Job>>();
  /** Every host that could not start or was lost, and why. */
  readonly #losses: Array<{ host: string; reason: string }>;
  #nextWireId = 1;
  #closed = false;

  constructor(
    private readonly hosts: readonly Host[],
    startFailures: ReadonlyArray<{ host: string; reason: string }>,
  ) {
    this.concurrency = hosts.reduce((sum, host) => sum + host.workers, 0);
    this.#losses = [...startFailures];
    for (const host of hosts) {
      this.#assigned.set(host, new Map());
      host.listen(
        (from, message) => this.#onMessage(from, message),
        (from, reason) => this.#onLost(from, reason),
      );
      if (host.lost !== undefined) this.#losses.push({ host: host.label, reason: host.lost });
    }
    this.#updateRefs();
  }

  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    if (hooks.signal.aborted) return Promise.reject(hooks.signal.reason);
    if (this.#closed) return Promise.reject(new Error("the ssh plan was closed"));
    if (this.#liveHosts().length === 0) return Promise.reject(this.#everyHostLost());
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.#abort(job);
      const job: Job = {
        wireId: this.#nextWireId++,
        batch,
        hooks,
        resolve,
        reject,
        detach: () => hooks.signal.removeEventListener("abort", onAbort),
        host: undefined,
        lostOn: [],
        settled: false,
        cancelled: false,
      };
      hooks.signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const closing = new Error("the ssh plan was closed");
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(closing));
    const running = [...this.#assigned.values()].flatMap((jobs) => [...jobs.values()]);
    // Batches on a host are over once its agent is gone.
    await Promise.all(this.hosts.map((host) => host.close()));
    for (const job of running) this.#settle(job, () => job.reject(closing));
  }

  #liveHosts(): Host[] {
    return this.hosts.filter((host) => host.lost === undefined);
  }

  /** Hands queued batches to hosts with free slots, emptiest host first. */
  #pump(): void {
    this.#sendQueued();
    this.#updateRefs();
  }

  /**
   * A script that never calls close() must still exit: a host's connection
   * holds the event loop only while it runs batches, or while batches wait
   * for a host.
   */
  #updateRefs(): void {
    const waiting = this.#queue.length > 0;
    for (const host of this.hosts) host.setRef(waiting || (this.#assigned.get(host)?.size ?? 0) > 0);
  }

  #sendQueued(): void {
    while (this.#queue.length > 0) {
      let best: { host: Host; free: number } | undefined;
      for (const host of this.#liveHosts()) {
        const free = host.workers * SLOTS_PER_WORKER - (this.#assigned.get(host)?.size ?? 0);
        if (free > 0 && (best === undefined || free / host.workers > best.free / best.host.workers)) best = { host, free };
      }
      if (best === undefined) return;
      const job = this.#queue.shift() as Job;
      this.#send(best.host, job);
    }
  }

  #send(host: Host, job: Job): void {
    job.host = host;
    this.#assigned.get(host)?.set(job.wireId, job);
    const stillHere = () => !job.settled && !job.cancelled && job.host === host;
    host.send(job.wireId, job.batch, stillHere).then((sent) => {
      // Cancelled while its modules were uploading: it never reached the agent.
      if (!sent && job.cancelled && job.host === host) this.#cancelOver(job);
    }, (error: unknown) => {
      if (!stillHere()) return;
      // A bundling or serialization failure is the task's, not the host's.
      // An upload failure has already dropped the host and moved this job.
      if (isModuleBundleError(error) || (error as Error).name === "DataCloneError") {
        this.#settle(job, () => job.reject(error));
      } else {
        host.lose(`sending a batch failed: ${(error as Error).message}`);
      }
      this.#pump();
    });
  }

  #abort(job: Job): void {
    if (job.settled || job.cancelled) return;
    const host = job.host;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    if (host === undefined) {
      this.#settle(job, () => job.reject(job.hooks.signal.reason));
      this.#pump();
      return;
    }
    // The agent fires the task's signal, and ends its thread when core says
    // stop (one grace period later); a batch still uploading is never sent.
    // The batch keeps its slot and is settled only when the agent says it is
    // over (see FromAgent): until then its task may still be storing chunks.
    job.cancelled = true;
    host.cancel(job.wireId);
    const stop = () => host.cancel(job.wireId, "stop");
    if (job.hooks.stop.aborted) stop();
    else job.hooks.stop.addEventListener("abort", stop, { once: true });
  }

  /** A cancelled batch is over on its host: its map may go on as if it never ran. */
  #cancelOver(job: Job): void {
    this.#settle(job, () => job.reject(job.hooks.signal.reason));
    this.#pump();
  }

  #settle(job: Job, finish: () => void): void {
    if (job.settled) return;
    job.settled = true;
    job.detach();
    if (job.host !== undefined) this.#assigned.get(job.host)?.delete(job.wireId);
    job.host = undefined;
    finish();
    this.#updateRefs();
  }

  #onMessage(host: Host, message: FromAgent): void {
    match(message)
      .with({ type: "batch-result" }, (result) => {
        // Unknown ids are late answers to cancelled batches: dropped.
        const job = this.#assigned.get(host)?.get(result.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        this.#settle(job, () => {
          for (const outcome of result.outcomes) job.hooks.report(outcome, result.worker);
          job.resolve();
        });
        this.#pump();
      })
      .with({ type: "batch-cancelled" }, ({ batchId }) => {
        const job = this.#assigned.get(host)?.get(batchId);
        if (job !== undefined) this.#cancelOver(job);
      })
      .with({ type: "worker-lost" }, (lost) => {
        const job = this.#assigned.get(host)?.get(lost.batchId);
        if (job === undefined) return;
        if (job.cancelled) return this.#cancelOver(job);
        const details = { pid: host.agentPid, ...(lost.exitCode !== undefined ? { exitCode: lost.exitCode } : {}) };
        this.#settle(job, () => job.reject(new WorkerLostError(lost.reason, lost.worker, details)));
        this.#pump();
      })
      .with({ type: "fatal" }, (fatal) => host.lose(`its agent failed: ${fatal.error.message}`))
      .with({ type: "ready" }, () => {}) // only at start-up, handled there
      .exhaustive();
  }

  #onLost(host: Host, reason: string): void {
    this.#losses.push({ host: host.label, reason });
    const jobs = [...(this.#assigned.get(host)?.values() ?? [])];
    this.#assigned.get(host)?.clear();
    // Cancelled batches on it are over: its agent ends with its connection.
    for (const job of jobs.filter((j) => j.cancelled)) this.#settle(job, () => job.reject(job.hooks.signal.reason));
    jobs.splice(0, jobs.length, ...jobs.filter((j) => !j.cancelled));
    for (const job of jobs) {
      job.host = undefined;
      job.lostOn.push(host.label);
    }
    const left = this.#liveHosts().length;
    if (!this.#closed) {
      const next = left > 0 ? `${jobs.length} batch(es) moved to the ${left} host(s) left` : "no host is left";
      process.emitWarning(`ssh host ${host.label} was lost: ${reason}. ${next}`, { code: "PARAZARR_SSH_HOST_LOST" });
    }
    if (left === 0) {
      // The one error worth reading now lists every host: give it to every batch.
      const error = this.#everyHostLost();
      for (const job of [...jobs, ...this.#queue.splice(0)]) this.#settle(job, () => job.reject(error));
      return;
    }
    const requeued: Job[] = [];
    for (const job of jobs) {
      if (job.lostOn.length < HOST_LOSSES_BEFORE_GIVING_UP) {
        requeued.push(job);
        continue;
      }
      const why = `hosts ${job.lostOn.join(" and ")} were each lost while running this batch (last: ${reason})`;
      this.#settle(job, () => job.reject(new WorkerLostError(why, host.label, { pid: host.agentPid })));
    }
    this.#queue.unshift(...requeued);
    this.#pump();
  }

  #everyHostLost(): WorkerLostError {
    const list = this.#losses.map((loss) => `${loss.host}: ${loss.reason}`).join("; ");
    return new WorkerLostError(`no ssh host is left (${list})`, "every ssh host");
  }
}
