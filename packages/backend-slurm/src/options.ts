/**
 * slurm()'s options, checked once, here: every message says which option,
 * what was given and what is allowed.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { PlanError, checkCount, checkWorkers, describeValue } from "@parazarr/core/backend";

export interface SlurmOptions {
  /** The partition to submit to (`sbatch --partition`). */
  readonly partition: string;
  /** Tasks of the array job, each one long-lived worker (an agent). */
  readonly workers: number;
  /** CPUs per task (`--cpus-per-task`); default: the inner level's threads, else 1. */
  readonly cpusPerWorker?: number;
  /** Memory per task, Slurm's syntax (`--mem`): "4G", "500M". */
  readonly memory?: string;
  /** Wall-time limit per task, Slurm's syntax (`--time`): "01:00:00", "30". */
  readonly time?: string;
  readonly account?: string;
  readonly qos?: string;
  /** Further sbatch arguments, as words (`["--constraint=skylake"]`). */
  readonly sbatchArgs?: readonly string[];
  /** An absolute path on the cluster's shared filesystem, seen by the coordinator and every node; default `~/.parazarr/slurm` (home is shared on most clusters). */
  readonly stagingDir?: string;
  /** The Node.js executable on the nodes (after `setup`); default "node". */
  readonly node?: string;
  /** Shell lines run before Node.js starts on each task: `["module load nodejs/20"]`. */
  readonly setup?: readonly string[];
  /** How long the job may stay PENDING with no task running before it is an error (ms); default 10 minutes. */
  readonly pendingTimeoutMs?: number;
  /**
   * Where the coordinator listens for its workers, "host:port". Default: the
   * address this machine's name resolves to (the one the tasks are told to
   * reach), any free port — never every interface unless you say "0.0.0.0:0".
   */
  readonly listen?: string;
  /** The address workers connect to; default: `listen`'s host, or this machine's hostname when `listen` is not given or is every interface. */
  readonly advertise?: string;
  /** Environment for the Slurm commands (SLURM_CONF…), on top of process.env. */
  readonly env?: Readonly<Record<string, string>>;
  /** Absolute paths every node sees as this machine does (where `file://` Zarr stores may live); default: [stagingDir]. */
  readonly sharedFilesystem?: readonly string[];
}

export interface ResolvedOptions {
  readonly partition: string;
  readonly workers: number;
  readonly cpusPerWorker: number | undefined;
  readonly memory: string | undefined;
  readonly time: string | undefined;
  readonly account: string | undefined;
  readonly qos: string | undefined;
  readonly sbatchArgs: readonly string[];
  readonly stagingDir: string;
  readonly node: string;
  readonly setup: readonly string[];
  readonly pendingTimeoutMs: number;
  /** Undefined: the address this machine's hostname resolves to (see listenAddress). */
  readonly listenHost: string | undefined;
  readonly listenPort: number;
  readonly advertise: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly sharedFilesystem: readonly string[];
  /** Threads each task's agent runs (the inner level). */
  readonly threadsPerWorker: number;
}

const WHERE = "slurm";
const DEFAULT_PENDING_TIMEOUT_MS = 10 * 60_000;
/** Slurm's own names: letters, digits, `_-.`; nothing a shell or sbatch could read as more. */
const SLURM_NAME = /^[A-Za-z0-9_.-]+$/;
const SLURM_VALUE = /^[A-Za-z0-9_.:-]+$/;

export function resolveOptions(options: SlurmOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw new PlanError(`${WHERE}: expected options such as { partition: "debug", workers: 4, stagingDir: "/shared/parazarr" }, got ${describeValue(options)}`, "options", options);
  }
  const known = new Set(["partition", "workers", "cpusPerWorker", "memory", "time", "account", "qos", "sbatchArgs", "stagingDir", "node", "setup", "pendingTimeoutMs", "listen", "advertise", "env", "sharedFilesystem"]);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new PlanError(`${WHERE}: unknown option ${key} (known: ${[...known].join(", ")})`, key, (options as unknown as Record<string, unknown>)[key]);
  }
  // Home directories are on the shared filesystem on most clusters; say stagingDir where they are not.
  const staging = stagingDir(options.stagingDir ?? defaultStagingDir());
  const listen = options.listen === undefined ? { host: undefined, port: 0 } : parseListen(options.listen);
  return {
    partition: slurmWord("partition", options.partition, SLURM_NAME),
    workers: checkWorkers(WHERE, "workers", options.workers, { remote: true }),
    cpusPerWorker: options.cpusPerWorker === undefined ? undefined : checkCount(WHERE, "cpusPerWorker", options.cpusPerWorker, 1),
    memory: optionalWord("memory", options.memory, /^\d+[KMGT]?$/i),
    time: optionalWord("time", options.time, /^[0-9:-]+$/),
    account: optionalWord("account", options.account, SLURM_NAME),
    qos: optionalWord("qos", options.qos, SLURM_NAME),
    sbatchArgs: stringList("sbatchArgs", options.sbatchArgs ?? []),
    stagingDir: staging,
    node: options.node === undefined ? "node" : nonEmpty("node", options.node),
    setup: stringList("setup", options.setup ?? []),
    pendingTimeoutMs: options.pendingTimeoutMs === undefined ? DEFAULT_PENDING_TIMEOUT_MS : checkCount(WHERE, "pendingTimeoutMs", options.pendingTimeoutMs, 1),
    listenHost: listen.host,
    listenPort: listen.port,
    advertise: options.advertise === undefined ? undefined : nonEmpty("advertise", options.advertise),
    env: stringRecord("env", options.env ?? {}),
    sharedFilesystem: (options.sharedFilesystem === undefined ? [staging] : stringList("sharedFilesystem", options.sharedFilesystem)).map(stagingDir),
    threadsPerWorker: options.cpusPerWorker ?? 1,
  };
}

function slurmWord(option: string, value: unknown, pattern: RegExp): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new PlanError(`${WHERE}: ${option} must be a Slurm name (letters, digits, "_", "-", "."), got ${describeValue(value)}`, option, value);
  }
  return value;
}

function optionalWord(option: string, value: unknown, pattern: RegExp): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !pattern.test(value)) {
    const allowed = option === "memory" ? `a size such as "4G" or "500M"` : option === "time" ? `a time such as "01:00:00" or "30"` : "a Slurm name";
    throw new PlanError(`${WHERE}: ${option} must be ${allowed}, got ${describeValue(value)}`, option, value);
  }
  return value;
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") throw new PlanError(`${WHERE}: ${option} must be a non-empty string, got ${describeValue(value)}`, option, value);
  return value;
}

function stringList(option: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.includes("\n"))) {
    throw new PlanError(`${WHERE}: ${option} must be an array of one-line strings, got ${describeValue(value)}`, option, value);
  }
  return [...value] as string[];
}

function stringRecord(option: string, value: unknown): Readonly<Record<string, string>> {
  if (typeof value !== "object" || value === null || Object.values(value).some((v) => typeof v !== "string")) {
    throw new PlanError(`${WHERE}: ${option} must map names to strings, got ${describeValue(value)}`, option, value);
  }
  return { ...(value as Record<string, string>) };
}

/** Where code and runs are staged when the user names no stagingDir. */
export function defaultStagingDir(): string {
  return join(homedir(), ".parazarr", "slurm");
}

function stagingDir(value: unknown): string {
  if (typeof value !== "string" || !isAbsolute(value) || /[\n'"$`\\%]/.test(value)) {
    throw new PlanError(`${WHERE}: stagingDir must be an absolute path on the cluster's shared filesystem (no quotes, "$", "%" or backslashes), got ${describeValue(value)}`, "stagingDir", value);
  }
  return value;
}

function parseListen(value: unknown): { host: string; port: number } {
  const m = typeof value === "string" ? /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new PlanError(`${WHERE}: listen must be "host:port" ("127.0.0.1:0", "[::1]:7000", "0.0.0.0:0"), got ${describeValue(value)}`, "listen", value);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}
