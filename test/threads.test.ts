import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isWorkerCrashedError, map, sequential, setPlan, withPlan, type TaskError } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { crashOn, hogUntil, whichWorker } from "./fixtures/tasks.mjs";

afterAll(async () => {
  await setPlan(sequential());
});

describe("threads(n)", () => {
  it("defaults to one worker per core", async () => {
    const { availableParallelism } = await import("node:os");
    const plan = threads();
    expect(String(plan)).toBe(`threads(${availableParallelism()})`);
    expect(await plan.concurrency()).toBe(availableParallelism());
    await plan.close();
  });

  it("a worker that exits mid-task fails only its own tasks", async () => {
    await setPlan(threads(2));
    const inputs = Array.from({ length: 12 }, (_, value) => ({ value, crashOn: [5] }));
    const { values, failures } = await map(crashOn, inputs, { errors: "collect", batchSize: 1 });
    expect(failures?.errors.map((e) => e.index)).toEqual([5]);
    expect(isWorkerCrashedError(failures?.errors[0])).toBe(true);
    expect(values.filter((v) => v !== undefined)).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]);
  });

  it("a crash inside a batch fails only the input that crashed, not its batch-mates", async () => {
    await setPlan(threads(2));
    const inputs = Array.from({ length: 400 }, (_, value) => ({ value, crashOn: [123] }));
    const { values, failures } = await map(crashOn, inputs, { errors: "collect", batchSize: 50 });
    expect(failures?.errors.map((e) => e.index)).toEqual([123]);
    expect(failures?.errors[0]?.attempt).toBe(1);
    expect(values.filter((v) => v !== undefined).length).toBe(399);
    expect(values[122]).toBe(122);
    expect(values[124]).toBe(124);
  });

  it("a worker out of memory under resourceLimits fails its task, and retries run on a fresh worker", async () => {
    const plan = threads(1, { resourceLimits: { maxOldGenerationSizeMb: 24 } });
    await withPlan(plan, async () => {
      const error = (await map(hogUntil, [{ succeedOn: 2 }]).catch((e: unknown) => e)) as TaskError;
      expect(isWorkerCrashedError(error)).toBe(true);
      expect(error.message).toMatch(/out of memory/i);
      expect(await map(hogUntil, [{ succeedOn: 2 }], { retries: 1, retryDelayMs: 1 })).toEqual([2]);
      expect((await map(whichWorker, [0]))[0]).toMatch(/^thread \d+$/);
    });
    await plan.close();
  });

  it("lets a script that never calls close() exit promptly", async () => {
    const script = fileURLToPath(new URL("./fixtures/exits-without-close.mjs", import.meta.url));
    const started = performance.now();
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
      let stdout = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error("the script did not exit within 10 s"));
      }, 10_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout });
      });
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("[0,1,4,9,16,25,36,49]");
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
