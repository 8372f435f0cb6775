/**
 * One cancellation policy on every plan: a cancelled task's `ctx.signal`
 * fires first; a task that ignores it is stopped one `cancelGraceMs`
 * later (where the plan can stop a running task at all); closing a plan
 * rejects the maps still running on it with PlanClosedError and leaves
 * nothing of them running.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAbortError, isPlanClosedError, isWorkerCrashedError } from "../errors.js";
import { map } from "../map/map.js";
import { setPlan, withPlan } from "../plan/current.js";
import { ignoresSignal, markOnAbort, square, type CancelProbe } from "./tasks.js";
import type { SuiteContext } from "./index.js";
import { rejection } from "./rejection.js";

/** Polls for a file, bounded: workers start slowly on a loaded machine. */
async function appears(path: string, withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  while (performance.now() < deadline) {
    if (existsSync(path)) return true;
    await sleep(25);
  }
  return existsSync(path);
}


export function cancelCases(suite: SuiteContext): void {
  describe("cancellation policy", () => {
    let dir = "";
    let probe: (ms: number) => CancelProbe;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "parazarr-cancel-policy-"));
      probe = (ms) => ({ startedFile: join(dir, "started"), markFile: join(dir, "mark"), ms });
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("fires the running task's signal when its map is cancelled", async () => {
      const input = probe(60_000);
      const controller = new AbortController();
      const running = rejection(map(markOnAbort, [input], { signal: controller.signal }));
      expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
      controller.abort(new Error("stop"));
      expect(isAbortError(await running)).toBe(true);
      // The task saw its signal and said so: it was not simply killed.
      expect(await appears(input.markFile, suite.waits.cancelSeen(10_000))).toBe(true);
    });

    it.skipIf(!suite.capabilities.preemptsRunning)(
      "stops a task that ignores its signal once cancelGraceMs has passed, and stays usable",
      async () => {
        // Longer than the grace plus the time the cancel takes to arrive: it must be stopped, not end by itself.
        const input = probe(suite.waits.cancelSeen(2_000));
        const controller = new AbortController();
        const running = rejection(map(ignoresSignal, [input], { signal: controller.signal, cancelGraceMs: 100 }));
        expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
        controller.abort();
        expect(isAbortError(await running)).toBe(true);
        // Well past the task's own end: had it not been stopped, the mark would be there.
        await sleep(input.ms + 1_500);
        expect(existsSync(input.markFile)).toBe(false);
        expect(await map(square, [1, 2, 3])).toEqual([1, 4, 9]);
      },
    );

    it.skipIf(!suite.capabilities.preemptsRunning)("lets a task that ignores its signal finish within a longer cancelGraceMs", async () => {
      const input = probe(500);
      const controller = new AbortController();
      const running = rejection(map(ignoresSignal, [input], { signal: controller.signal, cancelGraceMs: 30_000 }));
      expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
      controller.abort();
      expect(isAbortError(await running)).toBe(true);
      expect(await appears(input.markFile, suite.waits.cancelSeen(15_000))).toBe(true);
      expect(await map(square, [4])).toEqual([16]);
    });
  });

  describe("a cancelled batch, as the scheduler sees it", () => {
    let dir = "";
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "parazarr-cancel-settle-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // Chunk ownership across writeRegion calls hands a chunk to the next call
    // once the batches of the earlier one have settled: a backend that
    // settles a cancelled batch while its task still runs would let two
    // tasks patch one chunk at once.
    it("settles only once its task is over, not when the cancel is sent", async () => {
      const input: CancelProbe = { startedFile: join(dir, "started"), markFile: join(dir, "mark"), ms: 1_500 };
      const backend = await suite.plan().acquire();
      const cancel = new AbortController();
      const stop = new AbortController(); // never fires: the task is let run to its end
      const batch = {
        type: "batch" as const,
        batchId: 2 ** 40 + Math.floor(Math.random() * 2 ** 20),
        task: { moduleUrl: ignoresSignal.moduleUrl, name: ignoresSignal.name },
        items: [{ index: 0, input, attempt: 1 }],
      };
      const hooks = { signal: cancel.signal, stop: stop.signal, report: () => {}, localTask: ignoresSignal };
      let taskWasOver: boolean | undefined;
      const settled = backend.runBatch(batch, hooks).then(
        () => void (taskWasOver = existsSync(input.markFile)),
        () => void (taskWasOver = existsSync(input.markFile)),
      );
      expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
      cancel.abort(new Error("cancelled by the test"));
      await settled;
      expect(taskWasOver).toBe(true);
    });
  });

  describe("closing a plan while a map runs on it", () => {
    let dir = "";
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), "parazarr-close-running-"));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    const probe = (ms: number): CancelProbe => ({ startedFile: join(dir, "started"), markFile: join(dir, "mark"), ms });

    it("rejects the map with PlanClosedError, and close() ends promptly", async () => {
      const plan = suite.makePlan();
      const input = probe(60_000);
      // Its rejection is heard from the start: it comes while close() is awaited.
      const running = rejection(withPlan(plan, () => map(markOnAbort, [input])));
      expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
      const started = performance.now();
      await plan.close();
      // piscina's close waited 30 s for the running task.
      expect(performance.now() - started).toBeLessThan(suite.waits.cancelSeen(10_000));
      const error = await running;
      expect(isPlanClosedError(error)).toBe(true);
      expect(isWorkerCrashedError(error)).toBe(false);
      expect((error as Error).message).toContain(String(plan));
    });

    it.skipIf(!suite.capabilities.preemptsRunning)("leaves nothing of the map running, even a task that ignores its signal", async () => {
      const plan = suite.makePlan();
      const input = probe(suite.waits.cancelSeen(2_000));
      const running = rejection(withPlan(plan, () => map(ignoresSignal, [input, probe(input.ms)])));
      expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
      await plan.close();
      expect(isPlanClosedError(await running)).toBe(true);
      await sleep(input.ms + 1_500);
      expect(existsSync(input.markFile)).toBe(false);
    });

    it("rejects the map with PlanClosedError when setPlan replaces its plan, un-awaited", async () => {
      const replaced = suite.makePlan();
      await setPlan(replaced);
      const input = probe(60_000);
      const running = rejection(map(markOnAbort, [input]));
      try {
        expect(await appears(input.startedFile, suite.waits.startsWithinMs)).toBe(true);
        void setPlan(suite.plan());
        expect(isPlanClosedError(await running)).toBe(true);
      } finally {
        await setPlan(suite.plan());
        await replaced.close();
      }
    });
  });
}
