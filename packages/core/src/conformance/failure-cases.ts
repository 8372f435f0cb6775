import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import {
  isAbortError,
  isCloneError,
  isPlanError,
  isTaskDefinitionError,
  isTaskError,
  isWorkerCrashedError,
  type TaskError,
} from "../errors.js";
import { map } from "../map/map.js";
import {
  alwaysFails,
  crashUntil,
  failOn,
  flaky,
  notExportedUnderItsName,
  returnsFunction,
  sleepThenMark,
  square,
} from "./tasks.js";
import type { SuiteContext } from "./index.js";
import { rejection } from "./rejection.js";


const cells = (n: number, failIf: number) => Array.from({ length: n }, (_, value) => ({ value, failIf }));

export function failureCases(suite: SuiteContext): void {
  describe("errors", () => {
    it("names the input, plan, worker and attempt, with the worker-side error as cause", async () => {
      const error = (await rejection(map(failOn, cells(20, 13)))) as TaskError;
      expect(isTaskError(error)).toBe(true);
      expect(error.index).toBe(13);
      expect(error.attempt).toBe(1);
      expect(error.plan).toBe(String(suite.plan()));
      expect(error.worker).toMatch(/\S/);
      expect(error.message).toContain("input 13");
      expect(error.message).toContain(String(suite.plan()));
      const cause = error.cause as Error & { code?: unknown; cell?: unknown };
      expect(cause.name).toBe("GridCellError");
      expect(cause.message).toBe("bad cell 13");
      expect(cause.stack).toContain("bad cell 13");
      expect(cause.code).toBe("E_CELL");
      expect(cause.cell).toEqual({ row: 13, col: 7 });
    });

    it("collects every failure and every success with errors: collect", async () => {
      const { values, failures } = await map(failOn, cells(30, 4), { errors: "collect" });
      expect(values.length).toBe(30);
      expect(values[3]).toBe(3);
      expect(values[4]).toBeUndefined();
      expect(values[29]).toBe(29);
      expect(failures?.errors.map((e) => e.index)).toEqual([4]);
      expect(failures?.message).toBe("1 of 30 tasks failed");
    });

    it("resolves with no failures when all succeed under collect", async () => {
      const { values, failures } = await map(square, [1, 2, 3], { errors: "collect" });
      expect(values).toEqual([1, 4, 9]);
      expect(failures).toBeUndefined();
    });
  });

  describe("retries", () => {
    it("retries transient errors with backoff until they succeed", async () => {
      const attempts = await map(flaky, [{ succeedOn: 3 }, { succeedOn: 1 }], { retries: 2, retryDelayMs: 5 });
      expect(attempts).toEqual([3, 1]);
    });

    it("gives up after the allowed retries and reports the last attempt", async () => {
      const error = (await rejection(map(flaky, [{ succeedOn: 5 }], { retries: 1, retryDelayMs: 5 }))) as TaskError;
      expect(isTaskError(error)).toBe(true);
      expect(error.attempt).toBe(2);
      expect((error.cause as Error).name).toBe("TransientError");
    });

    it("does not retry an error that is not transient", async () => {
      const error = (await rejection(map(alwaysFails, [0], { retries: 3, retryDelayMs: 5 }))) as TaskError;
      expect(error.attempt).toBe(1);
      expect((error.cause as { failedAttempt?: number }).failedAttempt).toBe(1);
    });

    it.skipIf(!suite.capabilities.survivesCrash)("retries a task whose worker died, on a fresh worker", async () => {
      expect(await map(crashUntil, [{ succeedOn: 2 }], { retries: 1, retryDelayMs: 5 })).toEqual([2]);
    });

    it.skipIf(!suite.capabilities.survivesCrash)("fails with WorkerCrashedError without retries, and stays usable", async () => {
      const error = await rejection(map(crashUntil, [{ succeedOn: 2 }]));
      expect(isWorkerCrashedError(error)).toBe(true);
      expect(isTaskError(error)).toBe(true);
      expect((error as TaskError).index).toBe(0);
      expect(await map(square, [1, 2, 3])).toEqual([1, 4, 9]);
    });
  });

  describe("cancellation", () => {
    it("drops queued work and rejects with AbortError", async () => {
      const controller = new AbortController();
      let finished = 0;
      const started = performance.now();
      const inputs = Array.from({ length: 100 }, () => ({ ms: 100 }));
      const running = map(sleepThenMark, inputs, { signal: controller.signal, onProgress: (p) => (finished = p.done) });
      setTimeout(() => controller.abort(new Error("user pressed stop")), 150);
      const error = await rejection(running);
      expect(isAbortError(error)).toBe(true);
      expect(((error as Error).cause as Error).message).toBe("user pressed stop");
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(finished).toBeLessThan(100);
    });

    it("cancels running work", async () => {
      const dir = await mkdtemp(join(tmpdir(), "parazarr-cancel-"));
      try {
        const markFile = join(dir, "mark");
        const controller = new AbortController();
        const started = performance.now();
        // The task must outlast the time its cancel takes to arrive, or it would end by itself.
        const ms = suite.waits.cancelSeen(1_500);
        const running = map(sleepThenMark, [{ ms, markFile }], { signal: controller.signal });
        setTimeout(() => controller.abort(), 200);
        // The map rejects at once, on every plan: the scheduler does not wait for the workers.
        expect(isAbortError(await rejection(running))).toBe(true);
        expect(performance.now() - started).toBeLessThan(1_200);
        await sleep(ms + 300);
        expect(existsSync(markFile)).toBe(false);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("rejects at once when the signal was already aborted", async () => {
      const error = await rejection(map(square, [1, 2], { signal: AbortSignal.abort() }));
      expect(isAbortError(error)).toBe(true);
    });
  });

  describe("bad input", () => {
    it("refuses a plain closure unless the plan runs in-process", async () => {
      const closure = (x: number) => x + 1;
      if (suite.capabilities.inProcess) {
        expect(await map(closure, [1])).toEqual([2]);
      } else {
        const error = await rejection(map(closure, [1]));
        expect(isTaskDefinitionError(error)).toBe(true);
        expect((error as Error).message).toContain("task(import.meta.url");
      }
    });

    it("names the input that cannot be cloned, and its type", async () => {
      const error = await rejection(map(square, [1, 2, { n: 3, callback: () => 3 }] as unknown as number[]));
      expect(isCloneError(error)).toBe(true);
      expect((error as Error).message).toContain("input 2.callback");
      expect((error as Error).message).toContain("function");
    });

    it("refuses a task its module does not export under its name, before running anything", async () => {
      const error = await rejection(map(notExportedUnderItsName, [1]));
      expect(isTaskDefinitionError(error)).toBe(true);
      expect((error as Error).message).toContain('"someOtherName"');
    });

    it("fails a task whose result cannot be sent back", async () => {
      const error = await rejection(map(returnsFunction, [1]));
      expect(isTaskError(error) || isCloneError(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/clone|could not be cloned|cannot be sent/i);
    });

    it("refuses bad options by name", async () => {
      const error = await rejection(map(square, [1], { retries: -1 }));
      expect(isPlanError(error)).toBe(true);
      expect((error as Error).message).toContain("retries");
      expect((error as Error).message).toContain("-1");
    });
  });
}
