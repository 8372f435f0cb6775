import { spawn } from "node:child_process";
import cluster from "node:cluster";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAbortError, isPlanError, isWorkerCrashedError, map, setPlan, withPlan, type Plan } from "@parazarr/core";
import { processes } from "@parazarr/backend-processes";
import { echo, hog, napThenPid, nestedProcesses, spin, square, workerPid } from "./fixtures/tasks.mjs";
import { captureStderr, captureWarnings } from "../../../test/fixtures/expected-output.js";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to reject, it resolved");
}

/** Alive means running: a zombie (exited, not yet reaped by a container's PID 1) is gone. */
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The distinct worker PIDs that answer a spread of tiny tasks. */
async function workerPids(): Promise<number[]> {
  return [...new Set(await map(workerPid, range(40), { batchSize: 1 }))].sort();
}

/** The PIDs once `n` workers answer: a replacement takes a moment to start. */
async function poolPids(n: number): Promise<number[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const pids = await workerPids();
    if (pids.length === n || Date.now() > deadline) return pids;
    await sleep(100);
  }
}

/** Counts cluster forks, so a test can prove nothing respawns in a loop. */
function countForks(): { readonly count: number; stop(): void } {
  let count = 0;
  const onFork = () => count++;
  cluster.on("fork", onFork);
  return {
    get count() {
      return count;
    },
    stop: () => void cluster.off("fork", onFork),
  };
}

describe("processes(): options", () => {
  it.each([
    [0, "workers must be a whole number ≥ 1, got 0"],
    [1.5, "workers must be a whole number ≥ 1, got 1.5"],
    ["x", 'workers must be a whole number ≥ 1, got "x"'],
  ])("refuses processes(%j) by name, value and what is allowed", (workers, message) => {
    const error = (() => {
      try {
        processes(workers as number);
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected processes() to throw");
    })();
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain(message);
  });

  it.each([
    [{ maxOldGenerationSizeMb: 4 }, "maxOldGenerationSizeMb must be a whole number ≥ 16, got 4"],
    [{ maxOldGenerationSizeMb: "64" }, 'maxOldGenerationSizeMb must be a whole number ≥ 16, got "64"'],
    [{ env: { DEBUG: 1 } }, "env.DEBUG must be a string, got 1"],
    [{ env: "A=1" }, 'env must be an object of strings, got "A=1"'],
    [{ execArgv: "--trace-gc" }, 'execArgv must be an array of strings, got "--trace-gc"'],
    [{ execArgv: ["--trace-gc", 3] }, "execArgv[1] must be a string, got 3"],
    [{ heapMb: 64 }, 'unknown option "heapMb"; known options are maxOldGenerationSizeMb, env, execArgv'],
    [null, "options must be an object, got null"],
  ])("refuses options %j with a message naming the option", (options, message) => {
    expect(() => processes(2, options as never)).toThrow(message);
  });

  it("describes itself without environment values, which may be secrets", () => {
    expect(String(processes(3))).toBe("processes(3)");
    const plan = processes(2, { maxOldGenerationSizeMb: 64, env: { API_TOKEN: "s3cr3t" }, execArgv: ["--no-warnings"] });
    expect(String(plan)).toBe('processes(2, { maxOldGenerationSizeMb: 64, env: [API_TOKEN], execArgv: ["--no-warnings"] })');
  });

  it("defaults to one worker per core, started lazily and kept across map calls", async () => {
    const forks = countForks();
    const plan = processes();
    try {
      expect(forks.count).toBe(0);
      expect(await plan.concurrency()).toBe(availableParallelism());
      expect(forks.count).toBe(availableParallelism());
      await withPlan(plan, () => map(square, range(50)));
      await withPlan(plan, () => map(square, range(50)));
      expect(forks.count).toBe(availableParallelism());
    } finally {
      forks.stop();
      await plan.close();
    }
  });

  it("passes env to the workers and adds execArgv to their flags", async () => {
    const plan = processes(1, { env: { PARAZARR_TEST_GREETING: "hello" }, execArgv: ["--stack-size=900"] });
    try {
      const [seen] = await withPlan(plan, () => map(workerPid, [0]));
      const environ = readFileSync(`/proc/${seen}/environ`, "utf8").split("\0");
      const cmdline = readFileSync(`/proc/${seen}/cmdline`, "utf8").split("\0");
      expect(environ).toContain("PARAZARR_TEST_GREETING=hello");
      expect(cmdline).toContain("--stack-size=900");
    } finally {
      await plan.close();
    }
  });
});

describe("processes(2): close()", () => {
  it("ends every worker process, also one deep in a computation, and fails what was running", async () => {
    const plan = processes(2);
    const pids = await withPlan(plan, () => poolPids(2));
    const failed = rejection(withPlan(plan, () => map(spin, [{ ms: 30_000 }, { ms: 30_000 }], { batchSize: 1 })));
    await sleep(300);
    const started = performance.now();
    await plan.close();
    // A worker stuck in a loop never reads its 'shutdown' message: it is killed after a grace period.
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(pids.some(isAlive)).toBe(false);
    expect((await failed).message).toContain("was closed");
  });
});

describe("processes(2): data and cluster", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = processes(2);
    await setPlan(plan);
  });
  afterAll(async () => {
    await plan.close();
  });

  it("carries typed arrays, Maps, Sets, BigInt, Dates and errors across intact", async () => {
    const cause = new TypeError("inner");
    const value = {
      floats: new Float64Array([1.5, Number.NaN, -0]),
      bigs: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]),
      big: 12345678901234567890n,
      byKey: new Map<unknown, unknown>([[1n, "one"], ["two", new Uint8Array([2])]]),
      set: new Set(["a", "b"]),
      when: new Date("2026-01-02T03:04:05Z"),
      error: new RangeError("out of range", { cause }),
    };
    const [back] = (await map(echo, [value])) as [typeof value];
    expect(back.floats).toBeInstanceOf(Float64Array);
    expect([...back.floats]).toEqual([1.5, Number.NaN, -0]);
    expect(back.bigs).toBeInstanceOf(BigInt64Array);
    expect([...back.bigs]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    expect(back.big).toBe(12345678901234567890n);
    expect(back.byKey).toBeInstanceOf(Map);
    expect(back.byKey.get(1n)).toBe("one");
    expect(back.byKey.get("two")).toEqual(new Uint8Array([2]));
    expect(back.set).toEqual(new Set(["a", "b"]));
    expect(back.when.getTime()).toBe(value.when.getTime());
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe("out of range");
    expect((back.error.cause as Error).message).toBe("inner");
  });

  it("refuses, by name, to fork from inside one of its own workers", async () => {
    const [said] = await map(nestedProcesses, [0]);
    expect(said).toMatch(/^PlanError: processes\(\): this process is itself a cluster worker.*use threads\(\) inside a worker process$/);
  });

  it("leaves the caller's own cluster settings alone, with several plans at once", async () => {
    cluster.setupPrimary({ exec: "/srv/app/http-worker.js", args: ["--port", "8080"] });
    const before = cluster.settings;
    const other = processes(1);
    try {
      const [mine, theirs] = await Promise.all([workerPids(), withPlan(other, () => workerPids())]);
      expect(mine.length).toBe(2);
      expect(theirs.length).toBe(1);
      expect(mine).not.toContain(theirs[0]);
      expect(cluster.settings).toBe(before);
      expect(cluster.settings.exec).toBe("/srv/app/http-worker.js");
      expect(cluster.settings.args).toEqual(["--port", "8080"]);
    } finally {
      await other.close();
    }
  });
});

describe("processes(2): a worker killed from outside", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = processes(2);
    await setPlan(plan);
  });
  afterAll(async () => {
    await plan.close();
  });

  it("fails its task with WorkerCrashedError naming the PID and signal, and the pool stays usable", async () => {
    const [victim, survivor] = (await workerPids()) as [number, number];
    const started = performance.now();
    // Two inputs, two workers: the victim is certainly running one of them.
    const running = map(napThenPid, [{ ms: 5_000 }, { ms: 5_000 }], { batchSize: 1 });
    await sleep(500);
    process.kill(victim, "SIGKILL");
    const error = await rejection(running);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(isWorkerCrashedError(error)).toBe(true);
    expect(error).toMatchObject({ pid: victim, signal: "SIGKILL", worker: `pid ${victim}` });
    expect(error.message).toContain(`pid ${victim}`);
    expect(error.message).toContain("killed by SIGKILL");
    // The survivor's batch was cancelled through its signal: it keeps its worker.
    const now = await poolPids(2);
    expect(now.length).toBe(2);
    expect(now).toContain(survivor);
    expect(now).not.toContain(victim);
    expect(await map(square, range(100))).toEqual(range(100).map((x) => x * x));
  });

  it("runs the task again on a replacement when retries allow", async () => {
    const [victim] = (await poolPids(2)) as [number, number];
    const running = map(napThenPid, [{ ms: 1_500 }, { ms: 1_500 }], { batchSize: 1, retries: 1, retryDelayMs: 10 });
    await sleep(500);
    process.kill(victim, "SIGKILL");
    const results = await running;
    expect(results.map((r) => r.attempt).sort()).toEqual([1, 2]);
    const retried = results.find((r) => r.attempt === 2)!;
    expect(retried.pid).not.toBe(victim);
    expect(isAlive(victim)).toBe(false);
  });

  it("replaces an idle worker that was killed, before the next map needs it", async () => {
    const [victim] = (await poolPids(2)) as [number, number];
    const forks = countForks();
    try {
      process.kill(victim, "SIGKILL");
      // No work is sent meanwhile: a batch sent in the instant between the
      // kill and the pool noticing it would be lost with the worker.
      expect(await waitUntil(() => forks.count === 1, 3_000)).toBe(true);
      const now = await poolPids(2);
      expect(now.length).toBe(2);
      expect(now).not.toContain(victim);
      expect(forks.count).toBe(1);
    } finally {
      forks.stop();
    }
  });
});

describe("processes(2): cancelling running work", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = processes(2);
    await setPlan(plan);
  });
  afterAll(async () => {
    await plan.close();
  });

  it("keeps the worker when the task stops on its signal", async () => {
    const before = await poolPids(2);
    const controller = new AbortController();
    const running = map(napThenPid, [{ ms: 10_000 }, { ms: 10_000 }], { signal: controller.signal, batchSize: 1 });
    setTimeout(() => controller.abort(), 300);
    expect(isAbortError(await rejection(running))).toBe(true);
    // Same PIDs: neither worker was killed (poolPids waits while one is still winding down).
    expect(await poolPids(2)).toEqual(before);
  });

  it("kills and replaces a worker whose task ignores its signal", async () => {
    const before = await poolPids(2);
    const controller = new AbortController();
    const started = performance.now();
    const running = map(spin, [{ ms: 20_000 }, { ms: 20_000 }], { signal: controller.signal, batchSize: 1 });
    setTimeout(() => controller.abort(), 300);
    expect(isAbortError(await rejection(running))).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Both were computing: both are killed once the grace period is over.
    expect(await waitUntil(() => before.every((pid) => !isAlive(pid)), 3_000)).toBe(true);
    const after = await poolPids(2);
    expect(after.length).toBe(2);
    for (const pid of before) expect(after).not.toContain(pid);
  });
});

describe("processes(): out of memory", () => {
  it("fails the task with an out-of-memory error and replaces the worker", async () => {
    const plan = processes(1, { maxOldGenerationSizeMb: 64 });
    const stderr = captureStderr();
    try {
      const [first] = await withPlan(plan, () => map(workerPid, [0]));
      const error = await rejection(withPlan(plan, () => map(hog, [0])));
      // V8's own report reaches the caller's stderr, as the worker wrote it.
      expect(stderr.text).toContain("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory");
      expect(isWorkerCrashedError(error)).toBe(true);
      expect(error).toMatchObject({ pid: first, signal: "SIGABRT" });
      expect(error.message).toMatch(/out of memory: the worker process reached its heap limit \(maxOldGenerationSizeMb: 64\)/);
      expect(error.message).toContain("JavaScript heap out of memory");
      const [second] = await withPlan(plan, () => map(workerPid, [0]));
      expect(second).not.toBe(first);
      expect(await withPlan(plan, () => map(square, [7]))).toEqual([49]);
    } finally {
      stderr.restore();
      await plan.close();
    }
  });
});

describe("processes(): workers that cannot start", () => {
  it("fails the map with the start-up error and does not respawn in a loop", async () => {
    const forks = countForks();
    const plan = processes(2, { execArgv: ["--no-such-flag"] });
    const stderr = captureStderr();
    try {
      const error = await rejection(withPlan(plan, () => map(square, [1, 2, 3])));
      expect(isPlanError(error)).toBe(true);
      expect(error.message).toContain("processes(2");
      expect(error.message).toContain("a worker process failed to start (exit code 9)");
      expect(error.message).toContain("bad option: --no-such-flag");
      expect(forks.count).toBe(2);
      await sleep(1_000);
      expect(forks.count).toBe(2);
      // Each new map gets one new attempt, no more.
      await rejection(withPlan(plan, () => map(square, [1])));
      expect(forks.count).toBe(4);
      // The worker's own words reach the caller's stderr (a worker killed
      // because its sibling failed first may not get to say them).
      expect(stderr.text).toContain("bad option: --no-such-flag");
    } finally {
      stderr.restore();
      forks.stop();
      await plan.close();
    }
  });

  it("quotes an entry that throws at start-up", async () => {
    const plan = processes(1, { env: { NODE_OPTIONS: "--require /nonexistent/parazarr-preload.cjs" } });
    const stderr = captureStderr();
    try {
      const error = await rejection(withPlan(plan, () => map(square, [1])));
      expect(stderr.text).toContain("Error: Cannot find module '/nonexistent/parazarr-preload.cjs'");
      expect(isPlanError(error)).toBe(true);
      expect(error.message).toContain("failed to start (exit code 1)");
      expect(error.message).toContain("Cannot find module '/nonexistent/parazarr-preload.cjs'");
    } finally {
      stderr.restore();
      await plan.close();
    }
  });

  it("does not replace, in a loop, workers that die on their own right after starting", async () => {
    const forks = countForks();
    // The pool's warnings and the dying workers' stderr are expected: kept for the assertions, not printed.
    const kept = captureWarnings();
    const warnings = kept.warnings;
    const stderr = captureStderr();
    const plan = processes(2, { env: { NODE_OPTIONS: `--require ${fixture("exit-soon.cjs")}` } });
    try {
      expect(await plan.concurrency()).toBe(2);
      expect(await waitUntil(() => warnings.length === 2, 5_000)).toBe(true);
      expect(warnings[0]?.message).toMatch(/worker pid \d+ died right after it started \(exited with code 3\)/);
      await sleep(1_500);
      expect(forks.count).toBe(2);
      expect(warnings.length).toBe(2);
    } finally {
      kept.restore();
      stderr.restore();
      forks.stop();
      await plan.close();
    }
  });

  it("keeps working with the workers it has when a replacement cannot start, and tries again only on new work", async () => {
    const dir = await mkdtemp(join(tmpdir(), "parazarr-processes-"));
    const marker = join(dir, "refuse-to-start");
    const forks = countForks();
    // The pool's warnings and the dying workers' stderr are expected: kept for the assertions, not printed.
    const kept = captureWarnings();
    const warnings = kept.warnings;
    const stderr = captureStderr();
    const plan = processes(2, {
      env: { NODE_OPTIONS: `--require ${fixture("fail-if-marked.cjs")}`, PARAZARR_TEST_FAIL_MARK: marker },
    });
    try {
      const [victim, survivor] = (await withPlan(plan, workerPids)) as [number, number];
      expect(forks.count).toBe(2);
      await writeFile(marker, "");
      process.kill(victim, "SIGKILL");
      expect(await waitUntil(() => warnings.length > 0, 5_000)).toBe(true);
      expect(warnings[0]?.message).toContain("refusing to start: the test's marker file exists");
      expect(stderr.text).toContain("Error: refusing to start: the test's marker file exists");
      expect(forks.count).toBe(3);
      // The pool runs on with its survivor; nothing respawns meanwhile.
      expect(await withPlan(plan, workerPids)).toEqual([survivor]);
      await sleep(1_000);
      expect(forks.count).toBe(3);
      // With no worker left, new work gets one fresh attempt per slot and fails with the start-up error.
      process.kill(survivor, "SIGKILL");
      expect(await waitUntil(() => warnings.length > 1, 5_000)).toBe(true);
      expect(forks.count).toBe(4);
      const error = await rejection(withPlan(plan, () => map(square, [1])));
      expect(error.message).toContain("refusing to start");
      expect(forks.count).toBe(6);
      await sleep(1_000);
      expect(forks.count).toBe(6);
      // Once the cause is gone, the next map starts workers again.
      await rm(marker);
      expect(await withPlan(plan, () => map(square, [5]))).toEqual([25]);
    } finally {
      kept.restore();
      stderr.restore();
      forks.stop();
      await plan.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("processes(): the caller's end", () => {
  const started = new Set<number>();
  afterEach(() => {
    // Only if a test failed: end what our child script started, by PID.
    for (const pid of started) if (isAlive(pid)) process.kill(pid, "SIGKILL");
    started.clear();
  });

  /** Runs caller.mjs in `mode`; resolves with its worker PIDs once it printed them. */
  function runCaller(mode: string, nodeFlags: string[] = []) {
    const child = spawn(process.execPath, [...nodeFlags, fixture("caller.mjs"), mode], { stdio: ["ignore", "pipe", "inherit"] });
    started.add(child.pid!);
    const lines: string[] = [];
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
    );
    let onLine: () => void = () => {};
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text: string) => {
      lines.push(...text.split("\n").filter((line) => line.length > 0));
      onLine();
    });
    const line = (match: (line: string) => boolean) =>
      new Promise<string>((resolve, reject) => {
        onLine = () => {
          const found = lines.find(match);
          if (found !== undefined) resolve(found);
        };
        onLine();
        void exited.then(() => reject(new Error(`caller exited before printing the line; it printed ${JSON.stringify(lines)}`)));
      });
    const pids = line((l) => l.startsWith("{")).then((l) => {
      const found = (JSON.parse(l) as { pids: number[] }).pids;
      for (const pid of found) started.add(pid);
      return { pids: found, at: performance.now() };
    });
    return { child, pids, exited, line };
  }

  it("a script that never calls close() exits promptly and leaves no worker behind", async () => {
    const caller = runCaller("idle");
    const { pids, at } = await caller.pids;
    expect(pids.length).toBe(2);
    const exit = await caller.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - at).toBeLessThan(1_500);
    expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 3_000)).toBe(true);
  });

  it("exits promptly even when a cancelled task is still computing in a worker", async () => {
    const caller = runCaller("cancelled");
    const { pids } = await caller.pids;
    await caller.line((l) => l.startsWith("map failed as expected"));
    const exit = await caller.exited;
    expect(exit.code).toBe(0);
    expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 3_000)).toBe(true);
  });

  it("passes the caller's module-loading Node flags on to its workers, and no others", async () => {
    const caller = runCaller("busy", ["--enable-source-maps", "--conditions=parazarr-test", "--stack-size=900"]);
    const { pids } = await caller.pids;
    await caller.line((l) => l === "busy");
    for (const pid of pids) {
      const flags = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(flags).toContain("--enable-source-maps");
      expect(flags).toContain("--conditions=parazarr-test");
      expect(flags).not.toContain("--stack-size=900");
    }
    process.kill(caller.child.pid!, "SIGKILL");
    expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 3_000)).toBe(true);
  });

  it.each(["SIGTERM", "SIGKILL"] as const)(
    "leaves no worker behind when the caller is killed with %s while its workers compute",
    async (signal) => {
      const caller = runCaller("busy");
      const { pids } = await caller.pids;
      await caller.line((l) => l === "busy");
      expect(pids.every(isAlive)).toBe(true);
      process.kill(caller.child.pid!, signal);
      expect((await caller.exited).signal).toBe(signal);
      // The workers are deep in a 60-second compute loop; only their parent watch can end them.
      expect(await waitUntil(() => pids.every((pid) => !isAlive(pid)), 3_000)).toBe(true);
    },
  );
});
