/**
 * One started batch plan from submit to clean-up: it ships the code,
 * writes run.json, submits the children, finds each one as it says hello,
 * hears from the watcher which failed or cannot start, and on close tells
 * every child to stop, terminates every job it submitted and deletes the
 * run's message objects (its logs stay, for post-mortems).
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { BatchClient } from "@aws-sdk/client-batch";
import { checkProtocolVersion, type Backend, type BatchHooks, type BatchMessage } from "@parazarr/core/backend";
import { Shipper, TaskBundler, bundleCore, bundleEntry } from "@parazarr/remote";
import { BatchBackend, type ChildSupply } from "./batch-backend.js";
import { ChildLink } from "./child-link.js";
import { S3CodeStore } from "./code-store.js";
import { BatchJobError, BatchStagingError } from "./errors.js";
import { terminateOnExit } from "./exit-terminate.js";
import { useJobDefinition, type UsedDefinition } from "./job-definition.js";
import { decodeBody } from "./mailbox/wire.js";
import type { ResolvedOptions } from "./options.js";
import {
  RUN_CONFIG_VERSION, configKey, helloDir, logKey, runPrefix, runUrl, childKey, type RunConfig,
} from "./run-config.js";
import type { ObjectStore } from "./s3.js";
import { Submitter, arraySizes, type SubmittedJob } from "./submit.js";
import { outlastThrottling } from "./throttle.js";
import { JobWatcher, type FailedChild } from "./watcher.js";

type BatchSdk = typeof import("@aws-sdk/client-batch");

/** An idle child's inbox polls fall off to this (≤ 12 GETs per idle child-minute). */
export const IDLE_POLL_MS = 5_000;
/** Listing hello/ while children start: fast at first, then this apart. */
const HELLO_MAX_MS = 5_000;
const LOG_TAIL_CHARS = 2_000;

export const heartbeatMsFor = (pollMs: number): number => Math.max(5_000, 25 * pollMs);

interface Submitted {
  readonly job: SubmittedJob;
  /** Indexes that said hello or failed before they could. */
  readonly resolved: Set<number>;
  over: boolean;
}

export class Run implements Backend, ChildSupply {
  readonly runId = randomBytes(6).toString("hex");
  readonly prefix: string;
  readonly #backend: BatchBackend;
  readonly #watcher: JobWatcher;
  readonly #submitter: Submitter;
  readonly #jobs: Submitted[] = [];
  readonly #links = new Map<string, ChildLink>();
  readonly #losses: string[] = [];
  readonly #heartbeatMs: number;
  #fatal: Error | undefined;
  #definition: UsedDefinition | undefined;
  #helloTimer: NodeJS.Timeout | undefined;
  #helloDelay = 100;
  #silenceTimer: NodeJS.Timeout;
  #closed = false;
  #submittedCount = 0;
  #parts = 0;
  readonly #removeExitHook: () => void;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly sdk: BatchSdk,
    private readonly client: BatchClient,
    private readonly store: ObjectStore,
    shipper: Shipper,
  ) {
    this.prefix = runPrefix(options.staging.prefix, this.runId);
    this.#heartbeatMs = heartbeatMsFor(options.pollMs);
    this.#backend = new BatchBackend(shipper, this, { children: options.workers, threads: options.threadsPerChild }, options.jobQueue);
    this.#submitter = new Submitter(sdk, client);
    this.#watcher = new JobWatcher(sdk, client, options.jobQueue, options.runnableTimeoutMs, {
      childFailed: (child) => void this.#childFailed(child),
      stuck: (job, error) => void this.#stuck(job, error),
      jobOver: (job) => this.#jobOver(job),
    }, () => this.#backend.busy || this.starting > 0);
    this.#silenceTimer = setInterval(() => {
      for (const link of this.#links.values()) link.checkSilence();
    }, this.#heartbeatMs).unref();
    this.#removeExitHook = terminateOnExit({ region: options.region, endpoint: options.endpoint }, () => (this.#closed ? [] : this.#jobs.map((j) => j.job.jobId)));
  }

  // ---- Backend: scheduling is BatchBackend's.
  get concurrency(): number {
    return this.#backend.concurrency;
  }
  get targetConcurrency(): number {
    return this.#backend.targetConcurrency;
  }
  onConcurrencyChange(listener: () => void): () => void {
    return this.#backend.onConcurrencyChange(listener);
  }
  runBatch(batch: BatchMessage, hooks: BatchHooks): Promise<void> {
    const running = this.#backend.runBatch(batch, hooks);
    this.#watcher.resume();
    this.#watchHello();
    return running;
  }

  // ---- ChildSupply
  get starting(): number {
    return this.#jobs.reduce((sum, s) => sum + (s.over ? 0 : s.job.size - s.resolved.size), 0);
  }
  get submitted(): number {
    return this.#submittedCount;
  }
  get losses(): readonly string[] {
    return this.#losses;
  }
  get fatal(): Error | undefined {
    return this.#fatal;
  }
  submitMore(count: number): void {
    this.#submittedCount += count; // counted now: the pump must not ask twice while this submits
    // Replacements are found as they say hello, like the first children.
    void this.#submit(count).then(() => this.#watchHello(), (error: unknown) => {
      this.#submittedCount -= count;
      this.#losses.push(`submitting ${count} replacement children failed: ${(error as Error).message}`);
      if (this.#backend.concurrency === 0) this.#fatal = error as Error;
      this.#backend.supplyChanged();
    });
  }

  /** Ships the code, writes run.json, submits the first children. */
  async start(childUrl: string, coreUrl: string): Promise<void> {
    const config: RunConfig = {
      version: RUN_CONFIG_VERSION,
      runId: this.runId,
      bucket: this.options.staging.bucket,
      runPrefix: this.prefix,
      code: { child: childUrl, core: coreUrl },
      threads: this.options.threadsPerChild,
      resourceLimits: this.options.threadResourceLimits,
      pollMs: this.options.pollMs,
      idlePollMs: Math.min(IDLE_POLL_MS, Math.max(this.options.pollMs, Math.floor(this.options.idleTimeoutMs / 4))),
      idleTimeoutMs: this.options.idleTimeoutMs,
      heartbeatMs: this.#heartbeatMs,
      s3: { endpoint: this.#s3Endpoint(), forcePathStyle: this.options.s3.forcePathStyle, region: this.options.region },
    };
    try {
      await this.store.put(configKey(this.prefix), JSON.stringify(config));
    } catch (error) {
      throw new BatchStagingError(this.options.staging.url, `cannot write ${configKey(this.prefix)}: ${(error as Error)?.message}`, { cause: error });
    }
    try {
      this.#definition = await useJobDefinition(this.sdk, this.client, this.options.jobDefinition);
    } catch (error) {
      await this.#deleteRunObjects();
      const named = typeof this.options.jobDefinition === "string" ? this.options.jobDefinition : "parazarr's";
      throw new BatchJobError(`cannot use job definition ${named}: ${(error as Error)?.message}`, this.options.jobQueue, undefined, undefined, { cause: error });
    }
    this.#submittedCount += this.options.workers;
    try {
      await this.#submit(this.options.workers);
    } catch (error) {
      this.#submittedCount -= this.options.workers;
      if (this.#jobs.length === 0) {
        this.#removeExitHook();
        this.#watcher.stop();
        clearInterval(this.#silenceTimer);
        await this.#deleteRunObjects();
        throw error;
      }
      this.#losses.push((error as Error).message);
      process.emitWarning(`${(error as Error).message}; going on with the children already submitted`, { code: "PARAZARR_BATCH_SUBMIT" });
    }
    this.#watchHello();
  }

  /** Where the children's S3 is, when it is not AWS's: the option, or the caller's own AWS_ENDPOINT_URL_S3. */
  #s3Endpoint(): string | undefined {
    return this.options.s3.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || undefined);
  }

  async #submit(count: number): Promise<void> {
    const definition = this.#definition as UsedDefinition;
    const endpoint = this.#s3Endpoint();
    const environment: Record<string, string> = {
      PARAZARR_RUN: runUrl(this.options.staging.bucket, this.prefix),
      ...(endpoint !== undefined && { AWS_ENDPOINT_URL_S3: endpoint }),
    };
    for (const size of arraySizes(count, this.options.maxArraySize)) {
      if (this.#closed) return;
      const job = await this.#submitter.submit(
        { jobQueue: this.options.jobQueue, jobDefinition: definition.jobDefinition, jobName: `parazarr-${this.runId}`, command: definition.command, environment, attempts: this.options.attempts },
        size,
        this.#parts++,
      );
      this.#jobs.push({ job, resolved: new Set(), over: false });
      this.#watcher.add(job);
    }
  }

  // ---- Children saying hello
  #watchHello(): void {
    if (this.#closed || this.#helloTimer !== undefined || this.starting === 0) return;
    this.#helloDelay = 100;
    this.#scheduleHello(0);
  }

  #scheduleHello(ms: number): void {
    this.#helloTimer = setTimeout(() => void this.#hello(), ms);
    // Waiting for children holds the caller's event loop only while batches wait for them.
    if (!this.#backend.busy) this.#helloTimer.unref();
  }

  async #hello(): Promise<void> {
    let found = false;
    try {
      const keys = await this.store.list(`${helloDir(this.prefix)}/`);
      for (const key of keys) {
        found = true;
        await this.#greet(key);
      }
    } catch (error) {
      this.#losses.push(`listing the children that started failed: ${(error as Error)?.message}`);
    }
    this.#helloTimer = undefined;
    if (this.#closed || this.starting === 0) return;
    this.#helloDelay = found ? 100 : Math.min(HELLO_MAX_MS, this.#helloDelay * 1.5);
    this.#scheduleHello(this.#helloDelay);
  }

  async #greet(key: string): Promise<void> {
    // <run>/hello/<child>/ready
    const name = key.split("/").at(-2) ?? "";
    if (!key.endsWith("/ready")) return;
    const body = await this.store.get(key);
    const messages = body === undefined ? undefined : decodeBody(body);
    if (messages === undefined) return; // still being written (s3rver, see wire.ts): the next listing reads it
    await this.store.delete(key).catch(() => undefined);
    const parsed = /^(.+)-(\d+)-(\d+)$/.exec(name);
    if (parsed === null || this.#links.has(name)) return;
    const [, parentId = "", index = "0", attempt = "1"] = parsed;
    const submitted = this.#jobs.find((s) => s.job.jobId === parentId);
    if (submitted === undefined) return; // not one of ours (another run shares nothing but the prefix)
    const ready = messages[0] as { type?: string; protocol?: number; info?: { worker: string; pid: number; cores: number }; error?: { message?: string } };
    if (ready.type === "fatal") {
      this.#losses.push(`batch child ${index} of ${parentId} could not start its worker threads: ${ready.error?.message ?? "no reason given"}`);
      submitted.resolved.add(Number(index));
      this.#backend.supplyChanged();
      return;
    }
    try {
      checkProtocolVersion(ready as never, `batch child ${index} of ${parentId}`);
    } catch (mismatch) {
      this.#losses.push((mismatch as Error).message);
      submitted.resolved.add(Number(index));
      this.#backend.supplyChanged();
      return;
    }
    if (ready.type !== "ready" || ready.info === undefined) return;
    submitted.resolved.add(Number(index));
    // A later attempt of the same child: Batch retried it, the earlier one is gone.
    for (const older of this.#links.values()) {
      if (older.parentId === parentId && older.index === Number(index) && older.attempt < Number(attempt)) {
        older.lose(`Batch started attempt ${attempt} of this child: attempt ${older.attempt} ended`);
      }
    }
    const workers = this.options.threadsPerChild > 0 ? this.options.threadsPerChild : ready.info.cores;
    const link: ChildLink = new ChildLink(
      this.store, this.prefix, name, parentId, Number(index), Number(attempt), ready.info, workers,
      this.options.pollMs, this.#heartbeatMs, () => this.#backend.expecting(link),
      {
        message: (from, message) => this.#backend.onMessage(from, message),
        lost: (from, reason, details, left) => {
          this.#links.delete(from.key);
          // A child that left idle is no loss: its place in the replacement bound is given back,
          // or a long conversion with quiet spells would run out of children.
          if (left) this.#submittedCount--;
          else this.#losses.push(`${from.label}: ${reason}`);
          this.#backend.onLost(from, reason, details, left);
        },
      },
    );
    this.#links.set(name, link);
    this.#backend.addChild(link);
  }

  // ---- What the watcher says
  async #childFailed(child: FailedChild): Promise<void> {
    const submitted = this.#jobs.find((s) => s.job.jobId === child.parentId);
    const key = childKey(child.parentId, child.index, child.attempt);
    const tail = await this.#logTail(key);
    const exit = child.exitCode !== undefined ? `, exit code ${child.exitCode}` : "";
    const reason = `Batch says job ${child.jobId} FAILED: ${child.statusReason ?? "no reason given"}${exit}${tail ? `; its last output: ${tail}` : ""}`;
    const link = this.#links.get(key) ?? [...this.#links.values()].find((l) => l.parentId === child.parentId && l.index === child.index);
    if (link !== undefined) {
      link.lose(reason, child.exitCode !== undefined ? { exitCode: child.exitCode } : {});
      return;
    }
    // It never said hello: it failed while starting (image, overrides, bootstrap).
    submitted?.resolved.add(child.index);
    this.#losses.push(`batch child ${child.index} of ${child.parentId} could not start: ${reason}`);
    this.#backend.supplyChanged();
  }

  async #logTail(child: string): Promise<string> {
    try {
      const body = await this.store.get(logKey(this.prefix, child));
      if (body === undefined) return "";
      const text = Buffer.from(body).toString("utf8").trim();
      return text.length > LOG_TAIL_CHARS ? `…${text.slice(-LOG_TAIL_CHARS)}` : text;
    } catch {
      return "";
    }
  }

  async #stuck(job: SubmittedJob, error: Error): Promise<void> {
    const submitted = this.#jobs.find((s) => s.job.jobId === job.jobId);
    if (submitted !== undefined) submitted.over = true;
    this.#losses.push(error.message);
    if (this.#backend.concurrency === 0) this.#fatal = error;
    else process.emitWarning(`${error.message}; going on with the ${this.#links.size} children that started`, { code: "PARAZARR_BATCH_STUCK" });
    this.#backend.supplyChanged();
    await this.#terminate(job.jobId, `parazarr: ${error.message}`.slice(0, 250));
  }

  #jobOver(job: SubmittedJob): void {
    const submitted = this.#jobs.find((s) => s.job.jobId === job.jobId);
    if (submitted !== undefined) submitted.over = true;
    this.#backend.supplyChanged();
  }

  async #terminate(jobId: string, reason: string): Promise<void> {
    try {
      await outlastThrottling(() => this.client.send(new this.sdk.TerminateJobCommand({ jobId, reason })));
    } catch (error) {
      process.emitWarning(`batch: cannot terminate job ${jobId}: ${(error as Error)?.message}`, { code: "PARAZARR_BATCH_TERMINATE" });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#removeExitHook();
    clearTimeout(this.#helloTimer);
    clearInterval(this.#silenceTimer);
    this.#watcher.stop();
    await this.#backend.close();
    await Promise.all([...this.#links.values()].map((link) => link.shutdown().catch(() => undefined)));
    await Promise.all(this.#jobs.map((s) => this.#terminate(s.job.jobId, "the parazarr plan was closed")));
    await this.#deleteRunObjects();
    this.store.destroy();
    this.client.destroy();
  }

  /** Everything of this run but its logs. */
  async #deleteRunObjects(): Promise<void> {
    try {
      const keys = await this.store.list(`${this.prefix}/`);
      const logs = `${this.prefix}/logs/`;
      await Promise.all(keys.filter((key) => !key.startsWith(logs)).map((key) => this.store.delete(key).catch(() => undefined)));
    } catch {
      // A staging prefix we cannot list holds nothing we could delete either.
    }
  }
}

/** Starts a batch plan: clients, code, run.json, the first children. Workers join as they start. */
export async function startRun(options: ResolvedOptions): Promise<Backend> {
  const sdk: BatchSdk = await import("@aws-sdk/client-batch");
  const client = new sdk.BatchClient({
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  });
  const { openObjectStore } = await import("./s3.js");
  const store = await openObjectStore(options.staging.bucket, {
    region: options.region,
    endpoint: options.s3.endpoint,
    forcePathStyle: options.s3.forcePathStyle,
  });
  const codeStore = new S3CodeStore(store, options.staging.prefix);
  const shipper = new Shipper(codeStore, new TaskBundler());
  try {
    const childUrl = await shipper.shipEntry(await bundleEntry(fileURLToPath(new URL("./child/main.js", import.meta.url)), "child.mjs"));
    const coreUrl = codeStore.urlOf(await bundleCore());
    const run = new Run(options, sdk, client, store, shipper);
    await run.start(childUrl, coreUrl);
    return run;
  } catch (error) {
    store.destroy();
    client.destroy();
    throw error;
  }
}
