/**
 * On one thread every call meets the memory the previous call left behind:
 * a task's own table must still be there, and memory an earlier call gave
 * away must be named as such, never reported as "[object Object]".
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTaskError, map, sequential, setPlan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { givesAwayKeptBuffer, returnsModuleTable } from "../../core/dist/conformance/tasks.js";

beforeAll(() => setPlan(threads(1)));
afterAll(() => setPlan(sequential()));

describe("results on threads(1)", () => {
  it("a module-level table the task returns comes back whole, map after map", async () => {
    const table = new Float64Array([1, 2, 3, 4]);
    expect(await map(returnsModuleTable, [0])).toEqual([{ table }]);
    expect(await map(returnsModuleTable, [0])).toEqual([{ table }]);
  });

  it("memory an earlier call gave away is named in the error of the next", async () => {
    expect(await map(givesAwayKeptBuffer, [0])).toEqual([{ kept: new Float64Array([5, 6, 7]) }]);
    const error = await map(givesAwayKeptBuffer, [1]).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(isTaskError(error)).toBe(true);
    expect(error?.message).toContain("result 0.kept cannot be sent back: it is a Float64Array whose memory was already moved away");
    expect(error?.message).not.toContain("[object Object]");
  });
});
