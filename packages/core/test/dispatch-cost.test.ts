/**
 * A plan whose every message costs a fixed dispatch (AWS Batch: hundreds
 * of ms through S3) gets batches worth sending, not thousands of tiny ones.
 */
import { describe, expect, it } from "vitest";
import { map, withPlan } from "@parazarr/core";
import { slowDispatch } from "./fixtures/fake-backends.js";
import { square } from "./fixtures/tasks.mjs";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("a plan that declares its dispatch cost", () => {
  it("runs 2,000 cheap items in a handful of batches, with exact results", async () => {
    const workers = 4;
    const dispatchMs = 50;
    const fake = slowDispatch({ dispatchMs, itemMs: 0.01, workers, declare: true });
    const results = await withPlan(fake.plan, () => map(square, range(2_000)));
    expect(results).toEqual(range(2_000).map((i) => i * i));
    // One probe per slot (two batches in flight per worker) measures the
    // work; the first to come back shows 1,992 items cost less than one
    // dispatch, so the rest go in one message. On main: 54 batches, the tail
    // of them one item each.
    const probes = 2 * workers;
    expect(fake.batchSizes.length).toBeLessThanOrEqual(probes + 1);
    expect(fake.batchSizes.slice(0, probes)).toEqual(Array(probes).fill(1));
  });

  it("sends batches of at least a dispatch's worth of work, and still spreads work the dispatch is worth splitting", async () => {
    const workers = 4;
    const dispatchMs = 40;
    const itemMs = 4;
    const fake = slowDispatch({ dispatchMs, itemMs, workers, declare: true });
    const results = await withPlan(fake.plan, () => map(square, range(2_000)));
    expect(results).toEqual(range(2_000).map((i) => i * i));
    const afterProbes = fake.batchSizes.slice(2 * workers);
    // 40 ms of dispatch is 10 items of 4 ms: nothing smaller is sent, bar the last of the input.
    expect(afterProbes.slice(0, -1).every((size) => size >= dispatchMs / itemMs)).toBe(true);
    // 8 s of work is worth 4 workers: it went out in many batches, none near all of it.
    expect(Math.max(...afterProbes)).toBeLessThanOrEqual(Math.ceil(2_000 / (2 * workers)));
    // Today's 100 ms cap would have sent batches of 25 items: over 80 of them.
    expect(fake.batchSizes.length).toBeLessThan(2_000 / 25);
  });
});
