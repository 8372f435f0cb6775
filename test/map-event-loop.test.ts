/**
 * mapUnordered must not starve the caller's event loop: while results keep
 * coming, the caller's timers, I/O and AbortSignal.timeout still run.
 */
import { afterAll, describe, expect, it } from "vitest";
import { isAbortError, mapUnordered, sequential, setPlan, withPlan, type Plan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { square } from "./fixtures/tasks.mjs";

const TASKS = 300_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const plans: Array<[string, () => Plan]> = [
  ["sequential()", () => sequential()],
  ["threads(2)", () => threads(2)],
];
const made: Plan[] = [];
afterAll(async () => {
  await Promise.all(made.map((plan) => plan.close()));
  await setPlan(sequential());
});

describe.each(plans)("mapUnordered on %s", (_, makePlan) => {
  it(`lets a 50 ms interval tick while ${TASKS.toLocaleString("en")} tiny tasks complete`, async () => {
    const plan = makePlan();
    made.push(plan);
    let ticks = 0;
    const interval = setInterval(() => ticks++, 50);
    let results = 0;
    let sum = 0;
    const started = performance.now();
    try {
      await withPlan(plan, async () => {
        for await (const { value } of mapUnordered(square, range(TASKS))) {
          results++;
          sum += value;
        }
      });
    } finally {
      clearInterval(interval);
    }
    const elapsed = performance.now() - started;
    expect(results).toBe(TASKS);
    expect(sum).toBe(range(TASKS).reduce((a, x) => a + x * x, 0));
    // A starved loop ticks 0 times however long the map takes. Allow for a
    // loaded machine: a quarter of the ticks the elapsed time would give.
    expect(elapsed).toBeGreaterThan(200);
    expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 50 / 4));
  });

  it("is stopped by AbortSignal.timeout while results keep coming", async () => {
    const plan = makePlan();
    made.push(plan);
    // Workers started first: the timeout is for the map, not a cold start.
    await plan.concurrency();
    // Far more than a second's worth, but bounded: a starved loop cannot
    // even fire the test runner's own timeout, so this must end by itself.
    function* endless() {
      for (let i = 0; i < 3_000_000; i++) yield i % 1000;
    }
    let results = 0;
    const error = await withPlan(plan, async () => {
      try {
        for await (const _ of mapUnordered(square, endless(), { signal: AbortSignal.timeout(1_000) })) results++;
      } catch (caught) {
        return caught;
      }
      return undefined;
    });
    expect(isAbortError(error)).toBe(true);
    expect(results).toBeGreaterThan(0);
  });
});
