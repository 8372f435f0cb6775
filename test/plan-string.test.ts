/**
 * Plans named by strings (core's planFromString): each backend package
 * parses its own level; core knows none of their options, and names the
 * package to install when a plan's package is missing.
 */
import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { getPlan, isPlanError, map, planFromString, setPlan, type PlanError } from "@parazarr/core";
import { whichWorker } from "./fixtures/tasks.mjs";

const rejection = (text: string) => planFromString(text).then(() => expect.fail(`${text} was accepted`), (e: unknown) => e as PlanError);

describe("planFromString", () => {
  it.each([
    ["sequential", "sequential()"],
    ["threads:3", "threads(3)"],
    ["threads:workers=2", "threads(2)"],
    ["threads", `threads(${availableParallelism()})`],
    ["processes:2", "processes(2)"],
    ["ssh:alice@h1,bob@h2:2222,workers=4", "ssh(alice@h1, bob@h2:2222, 4 workers each)"],
  ])("%s is %s", async (text, description) => {
    expect(String(await planFromString(text))).toBe(description);
  });

  it("a stack is outer/inner: ssh:h1,h2/threads:4 runs threads(4) on each host", async () => {
    const stack = await planFromString("ssh:alice@h1,alice@h2/threads:4");
    expect(Array.isArray(stack)).toBe(true);
    expect((stack as readonly unknown[]).map(String)).toEqual(["ssh(alice@h1, alice@h2)", "threads(4)"]);
    // setPlan nests the levels (no host is contacted until a task runs).
    await setPlan(stack);
    try {
      expect(String(getPlan())).toBe("[ssh(alice@h1, alice@h2), threads(4)]");
    } finally {
      await setPlan(await planFromString("sequential"));
    }
  });

  it("paths in a level's values keep their slashes: they run to the next comma", async () => {
    const stack = await planFromString("ssh:alice@h1,key=~/.ssh/id_ed25519,shared=/lustre/data,workers=2/threads:4");
    expect((stack as readonly unknown[]).map(String)).toEqual(["ssh(alice@h1, 2 workers each)", "threads(4)"]);
  });

  it("the plan it returns runs tasks: processes:2 on two worker processes", async () => {
    await setPlan(await planFromString("processes:2"));
    try {
      const workers = await map(whichWorker, [1, 2, 3, 4, 5, 6, 7, 8]);
      expect(workers.every((w) => /^pid \d+$/.test(String(w)) && w !== `pid ${process.pid}`)).toBe(true);
    } finally {
      await setPlan(await planFromString("sequential"));
    }
  });

  it("a plan whose package is not installed names the package to install", async () => {
    // (slurm is a package of this workspace now: a PBS backend is one nobody has written.)
    const error = await rejection("pbs:queue=debug");
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toBe(
      'plan "pbs:queue=debug": the plan "pbs" comes from the package @parazarr/backend-pbs, which is not installed; install it with: npm install @parazarr/backend-pbs',
    );
  });

  it.each([
    ["", /expected a plan such as "threads:8"/],
    ["Threads:2", /"Threads" in "Threads:2" is not a plan name/],
    ["threads:2/threads:2/threads:2", /one or two levels/],
    ["sequential:2", /sequential takes no arguments/],
    ["threads:0", /plan "threads:0": workers must be a whole number ≥ 1, got "0"/],
    ["threads:2,3", /give the worker count once/],
    ["processes:cores=2", /unknown argument "cores"; known: workers/],
    ["ssh:workers=2", /name at least one host/],
    ["ssh:h1,,h2", /an empty argument/],
    ["ssh:h1,workers=2,workers=3", /workers is given twice/],
  ])("%j is a PlanError that says what is wrong", async (text, message) => {
    const error = await rejection(text);
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toMatch(message);
  });
});
