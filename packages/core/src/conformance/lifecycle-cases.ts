import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { map } from "../map/map.js";
import { withPlan } from "../plan/current.js";
import { MODULE_COPY, square, whichWorkerCopy } from "./tasks.js";
import type { SuiteContext } from "./index.js";

/** Handles that a plan may hold; timers and the TTY belong to the test runner. */
function planHandles(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== "Timeout" && kind !== "TTYWrap" && kind !== "Immediate")
    .sort();
}

/** The kinds of handle `after` holds more of than `before`, with both counts. */
function grown(before: string[], after: string[]): string[] {
  const count = (list: string[]) => list.reduce((m, kind) => m.set(kind, (m.get(kind) ?? 0) + 1), new Map<string, number>());
  const was = count(before);
  return [...count(after)].filter(([kind, n]) => n > (was.get(kind) ?? 0)).map(([kind, n]) => `${kind}: ${was.get(kind) ?? 0} → ${n}`);
}

export function lifecycleCases(suite: SuiteContext): void {
  describe("lifecycle", () => {
    it("prints how it was made", () => {
      expect(String(suite.makePlan())).toMatch(/^[a-z]+\(.*\)$/);
    });

    // A worker's name alone cannot tell a kept worker from its replacement
    // ("thread 1" may be reused, an SSH host's "worker 1" always is); its
    // copy of the task module can: a new worker imports the module afresh.
    it.skipIf(suite.capabilities.inProcess)("keeps its workers across map calls", async () => {
      const inputs = Array.from({ length: 40 }, () => 5);
      const first = new Set(await map(whichWorkerCopy, inputs, { batchSize: 1 }));
      const second = new Set(await map(whichWorkerCopy, inputs, { batchSize: 1 }));
      for (const worker of second) expect(first).toContain(worker);
      // Never more distinct workers than the plan runs at once, and none of them the caller.
      expect(new Set([...first, ...second]).size).toBeLessThanOrEqual(await suite.plan().concurrency());
      for (const worker of first) expect(worker.endsWith(MODULE_COPY)).toBe(false);
    });

    it.runIf(suite.capabilities.inProcess)("runs every task in the caller, on the caller's own copy of the task module", async () => {
      const inputs = Array.from({ length: 10 }, () => 1);
      const seen = new Set([...(await map(whichWorkerCopy, inputs)), ...(await map(whichWorkerCopy, inputs))]);
      expect([...seen]).toEqual([`main ${MODULE_COPY}`]);
    });

    it("closes idempotently and leaves no handle open", async () => {
      const before = planHandles();
      const plan = suite.makePlan();
      expect(await withPlan(plan, () => map(square, [1, 2, 3]))).toEqual([1, 4, 9]);
      await plan.close();
      await plan.close();
      // Workers and sockets go away asynchronously after close resolves: poll, bounded.
      // No kind of handle may outnumber what was there before. (Fewer is no
      // leak: the suite's own plan, idle meanwhile, may see a kept-alive
      // socket of its last requests closed by the server during this test.)
      let after = planHandles();
      for (let i = 0; i < 40 && grown(before, after).length > 0; i++) {
        await sleep(50);
        after = planHandles();
      }
      expect(grown(before, after)).toEqual([]);
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
