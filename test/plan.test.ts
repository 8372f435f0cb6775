import { afterEach, describe, expect, it } from "vitest";
import { getPlan, isPlanError, map, sequential, setPlan, withPlan } from "@parazarr/core";
import { definePlan, type Backend } from "@parazarr/core/backend";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { ssh } from "@parazarr/backend-ssh";
import { square } from "./fixtures/tasks.mjs";

afterEach(async () => {
  await setPlan(sequential());
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("plans", () => {

  it("close() while an earlier close() is still stopping the workers waits for it (void setPlan(b), then await a.close())", async () => {
    let stoppedAt: number | undefined;
    const plan = definePlan({
      description: "slow-to-close()",
      capabilities: sequential().capabilities,
      start: async (): Promise<Backend> => ({
        concurrency: 1,
        runBatch: async () => {},
        close: async () => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          stoppedAt = performance.now();
        },
      }),
    });
    await plan.acquire();
    void plan.close();
    await plan.close();
    expect(stoppedAt).toBeDefined();
  });
  it("default to sequential()", async () => {
    expect(String(getPlan())).toBe("sequential()");
    expect(await map(square, [3])).toEqual([9]);
  });

  it("print how they were made", () => {
    expect(String(threads(8))).toBe("threads(8)");
    expect(`${sequential()}`).toBe("sequential()");
  });

  it.each([0, -1, 1.5, "x", Number.NaN])("refuse threads(%s) naming the option, value and what is allowed", (bad) => {
    const error = thrown(() => threads(bad as number));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain("workers");
    expect(error.message).toContain(typeof bad === "string" ? `"${bad}"` : String(bad));
    expect(error.message).toContain("whole number ≥ 1");
  });

  it("refuse a worker count no machine can run, naming the bound, before anything starts", async () => {
    const { availableParallelism } = await import("node:os");
    const bound = Math.min(1024, Math.max(64, 8 * availableParallelism()));
    for (const make of [() => threads(1e6), () => processes(1e6), () => threads(bound + 1)]) {
      const error = thrown(make);
      expect(isPlanError(error)).toBe(true);
      expect(error.message).toContain(`at most ${bound}`);
    }
    expect(String(threads(bound))).toBe(`threads(${bound})`);
    expect(String(processes(bound))).toBe(`processes(${bound})`);
  });

  it("refuse a workersPerHost no host can run", () => {
    const error = thrown(() => ssh({ hosts: ["h1"], workersPerHost: 1e6 }));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain("at most 1024 per host");
  });

  it("refuse something that is not a plan", () => {
    expect(() => setPlan({} as never)).toThrow(/expected a plan/);
    expect(() => withPlan(42 as never, () => 1)).toThrow(/expected a plan/);
  });

  it("refuse a bad plan at the setPlan call, so an un-awaited setPlan never leaves an unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const error = thrown(() => void setPlan([threads(2), threads(2)]));
      expect(isPlanError(error)).toBe(true);
      expect(error.message).toContain("threads(2) cannot be the outer level");
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
      expect(String(getPlan())).toBe("sequential()");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("are scoped by withPlan, and concurrent scopes do not see each other", async () => {
    const a = threads(1);
    const b = sequential();
    const seen = await Promise.all([
      withPlan(a, async () => {
        await new Promise((r) => setTimeout(r, 20));
        return String(getPlan());
      }),
      withPlan(b, async () => {
        await new Promise((r) => setTimeout(r, 5));
        return String(getPlan());
      }),
    ]);
    expect(seen).toEqual(["threads(1)", "sequential()"]);
    expect(String(getPlan())).toBe("sequential()");
    await a.close();
  });

  it("close the plan that setPlan replaces", async () => {
    const closed: string[] = [];
    const recording = (name: string) =>
      definePlan({
        description: `recording(${name})`,
        capabilities: sequential().capabilities,
        start: async (): Promise<Backend> => ({
          concurrency: 1,
          runBatch: async (batch, hooks) => {
            for (const item of batch.items) {
              hooks.report({ type: "value", index: item.index, value: await hooks.localTask.fn(item.input, {} as never), workMs: 0 }, name);
            }
          },
          close: async () => void closed.push(name),
        }),
      });
    const first = recording("first");
    await setPlan(first);
    expect(await map(square, [2, 3])).toEqual([4, 9]);
    await setPlan(recording("second"));
    expect(closed).toEqual(["first"]);
    await setPlan(sequential());
    // "second" never started, so there was nothing to close.
    expect(closed).toEqual(["first"]);
  });
});

describe("plan stacks", () => {
  it("of one level are that plan", async () => {
    await setPlan([threads(2)]);
    expect(String(getPlan())).toBe("threads(2)");
  });

  it("refuse an outer level that does not distribute to machines", () => {
    const error = thrown(() => setPlan([threads(2), threads(2)]));
    expect(isPlanError(error)).toBe(true);
    expect((error as Error).message).toContain("threads(2) cannot be the outer level");
    expect(String(getPlan())).toBe("sequential()");
  });

  it("refuse more than two levels", () => {
    expect(() => withPlan([sequential(), sequential(), sequential()] as never, () => 1)).toThrow(/one or two levels/);
  });
});
