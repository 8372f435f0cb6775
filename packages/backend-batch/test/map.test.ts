/**
 * The batch plan end to end on the stand-in: array children that start as
 * local processes, take their code from S3, and answer through the S3
 * mailbox; nothing left running after close().
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { map, setPlan, sequential } from "@parazarr/core";
import { slowSquare, whereAmI } from "./fixtures/tasks.js";
import { startStandIn, type StandIn } from "./fixtures/stand-in.js";

let standIn: StandIn;

beforeAll(async () => {
  standIn = await startStandIn();
});

afterAll(async () => {
  await setPlan(sequential());
  await standIn?.stop();
});

describe("batch({ workers: 2 })", () => {
  it("runs a map on two array children and gives exact results in order", async () => {
    const plan = standIn.plan({ workers: 2 });
    await setPlan(plan);
    const inputs = Array.from({ length: 40 }, (_, x) => ({ x, ms: 20 }));
    const results = await map(slowSquare, inputs);
    expect(results).toEqual(inputs.map(({ x }) => x * x));
    const where = await map(whereAmI, Array.from({ length: 40 }, () => null));
    const children = new Set(where.map((w) => w.jobId));
    expect([...children].every((id) => /^[0-9a-f-]+:[01]$/.test(id))).toBe(true);
    expect(children.size).toBe(2);
    await setPlan(sequential());
    // close() has called TerminateJob: the endpoint stops each child (SIGTERM, then SIGKILL after its grace).
    const deadline = Date.now() + 10_000;
    while (standIn.endpoint.control.processes().length > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
    expect(standIn.endpoint.control.processes()).toEqual([]);
  });
});
