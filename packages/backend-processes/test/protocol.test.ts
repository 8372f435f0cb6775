/**
 * A worker whose @parazarr/core speaks another protocol version is refused
 * at start, by a tagged error naming both versions, before it gets any work.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isProtocolVersionError, map, withPlan } from "@parazarr/core";
import { processes } from "@parazarr/backend-processes";
import { square } from "./fixtures/tasks.mjs";

const otherCore = fileURLToPath(new URL("./fixtures/other-core-protocol.mjs", import.meta.url));

describe("processes(): worker protocol version", () => {
  it("refuses a worker that loads a core speaking another protocol, naming both versions", async () => {
    const plan = processes(1, { execArgv: ["--import", otherCore] });
    try {
      const error = await withPlan(plan, () => map(square, [1, 2, 3])).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isProtocolVersionError(error)).toBe(true);
      expect(error).toMatchObject({ expected: 1, actual: 999 });
      expect((error as Error).message).toMatch(/speaks parazarr worker protocol 999, but this coordinator speaks protocol 1/);
    } finally {
      await plan.close();
    }
  });

  it("runs the same map when the worker speaks the caller's protocol", async () => {
    const plan = processes(1);
    try {
      expect(await withPlan(plan, () => map(square, [1, 2, 3]))).toEqual([1, 4, 9]);
    } finally {
      await plan.close();
    }
  });
});
