/**
 * Forks one cluster worker running our worker entry, without taking over
 * the caller's own use of node:cluster.
 */
import cluster, { type ClusterSettings, type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { PlanError } from "@parazarr/core/backend";

// fileURLToPath, not `.pathname`: an install path with a space arrives as %20.
const WORKER_ENTRY = fileURLToPath(new URL("./worker.js", import.meta.url));

export interface ForkSpec {
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * `cluster.setupPrimary` is process-global and `cluster.fork` reads its
 * settings at the moment it is called, synchronously. So we install our
 * settings, fork, and put the caller's settings object back before anything
 * else can run: the caller's own `cluster.fork()` (an HTTP server, say) and
 * every other processes() plan keep theirs. Every key is set explicitly,
 * because setupPrimary merges into whatever settings were there before.
 */
export function forkWorker(spec: ForkSpec): Worker {
  if (!cluster.isPrimary) {
    throw new PlanError(
      "processes(): this process is itself a cluster worker, and node:cluster can only fork from the primary; " +
        "use threads() inside a worker process",
    );
  }
  const mutable = cluster as { settings: ClusterSettings };
  const saved = mutable.settings;
  try {
    cluster.setupPrimary({
      exec: WORKER_ENTRY,
      args: [],
      execArgv: [...inheritedExecArgv(), ...spec.execArgv],
      // typed arrays, Map, Set, BigInt, Date and errors cross intact; JSON would not.
      serialization: "advanced",
      silent: false,
      // stdin: workers never read it and must not hold the caller's terminal.
      // stderr is piped so start-up failures and out-of-memory reports can be
      // quoted in errors; it is forwarded to the caller's stderr as it arrives.
      stdio: ["ignore", "inherit", "pipe", "ipc"],
      cwd: process.cwd(),
      windowsHide: true,
    });
    return cluster.fork(spec.env);
  } finally {
    mutable.settings = saved;
  }
}

/**
 * The caller's Node flags that decide how modules load (a TypeScript loader
 * such as `--import tsx`, `--conditions`, experimental features): a worker
 * must import the same task modules the caller declared. Others are dropped
 * on purpose: `--inspect` would clash on its port, `-e`/`-p` would run the
 * caller's inline script in place of the worker, `--test`/`--watch` make no
 * sense in a worker.
 */
function inheritedExecArgv(): string[] {
  const kept: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const name = flag.split("=", 1)[0]!;
    if (TAKES_VALUE.has(name)) {
      kept.push(flag);
      if (!flag.includes("=") && i + 1 < argv.length) kept.push(argv[++i]!);
    } else if (STANDALONE.has(name) || name.startsWith("--experimental-")) {
      kept.push(flag);
    }
  }
  return kept;
}

const TAKES_VALUE = new Set(["--import", "--require", "-r", "--loader", "--experimental-loader", "--conditions", "-C"]);
const STANDALONE = new Set(["--enable-source-maps", "--no-warnings", "--no-deprecation", "--preserve-symlinks"]);
