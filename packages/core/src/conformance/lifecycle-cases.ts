import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { map } from "../map/map.js";
import { withPlan } from "../plan/current.js";
import { square, whichWorker } from "./tasks.js";
import type { SuiteContext } from "./index.js";

/** Handles that a plan may hold; timers and the TTY belong to the test runner. */
function planHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== "Timeout" && kind !== "TTYWrap" && kind !== "Immediate")
    .sort();
}

export function lifecycleCases(suite: SuiteContext): void {
  describe("lifecycle", () => {
    it("prints how it was made", () => {
      expect(String(suite.makePlan())).toMatch(/^[a-z]+\(.*\)$/);
    });

    it("keeps its workers across map calls", async () => {
      const inputs = Array.from({ length: 40 }, (_, i) => i);
      const first = new Set(await map(whichWorker, inputs, { batchSize: 1 }));
      const second = new Set(await map(whichWorker, inputs, { batchSize: 1 }));
      for (const worker of second) expect(first.has(worker)).toBe(true);
    });

    it("closes idempotently and leaves no handle open", async () => {
      const before = planHandles();
      const plan = suite.makePlan();
      expect(await withPlan(plan, () => map(square, [1, 2, 3]))).toEqual([1, 4, 9]);
      await plan.close();
      await plan.close();
      // Workers and sockets go away asynchronously after close resolves: poll, bounded.
      let after = planHandles();
      for (let i = 0; i < 40 && after.join() !== before.join(); i++) {
        await sleep(50);
        after = planHandles();
      }
      expect(after).toEqual(before);
    });

    it("starts again when used after close", async () => {
      const plan = suite.makePlan();
      await withPlan(plan, () => map(square, [2]));
      await plan.close();
      expect(await withPlan(plan, () => map(square, [3]))).toEqual([9]);
      await plan.close();
    });
  });
}
