/**
 * The batch sizer on its own, fed the observations a scheduler would feed
 * it: how a declared dispatch cost changes what goes in one message.
 */
import { describe, expect, it } from "vitest";
import { BatchSizer } from "../dist/map/batch-sizer.js";

const workers = (n: number) => () => n;

describe("BatchSizer", () => {
  it("probes with one item until a batch has come back, dispatch cost declared or not", () => {
    expect(new BatchSizer("auto", workers(4)).next(10_000)).toBe(1);
    expect(new BatchSizer("auto", workers(4), 500).next(10_000)).toBe(1);
  });

  it("sends a fast plan just enough items that the message stays under 2 % of the work", () => {
    const sizer = new BatchSizer("auto", workers(2));
    // threads: 0.05 ms a message, 0.01 ms an item: 250 items carry 2.5 ms of work.
    sizer.observe({ items: 1, workMs: 0.01, wallMs: 0.06 });
    expect(sizer.next(100_000)).toBe(250);
  });

  it("makes a batch worth a declared 500 ms dispatch: 25 s of work instead of 100 ms", () => {
    const sizer = new BatchSizer("auto", workers(4), 500);
    // The probe came back at once: the worker was already warm, the message cheap this time.
    // A later batch cannot be judged by it alone: the declared cost stays the estimate.
    sizer.observe({ items: 1, workMs: 20, wallMs: 20_000 });
    // 500 ms must stay under 2 % of the work: 25 s, i.e. 1,250 items of 20 ms (today: 5).
    expect(sizer.next(100_000)).toBe(1_250);
  });

  it("caps a batch at 30 s of work however costly its dispatch", () => {
    const sizer = new BatchSizer("auto", workers(4), 5_000);
    sizer.observe({ items: 1, workMs: 20, wallMs: 5_020 });
    expect(sizer.next(100_000)).toBe(30_000 / 20);
  });

  it("learns a smaller dispatch cost than the one declared", () => {
    const sizer = new BatchSizer("auto", workers(4), 500);
    sizer.observe({ items: 10, workMs: 200, wallMs: 300 });
    // 100 ms measured: 5 s of work, 250 items.
    expect(sizer.next(100_000)).toBe(250);
  });

  it("leaves work for every worker, for the workers an elastic plan is heading for", () => {
    let target = 2;
    const sizer = new BatchSizer("auto", () => target, 500);
    sizer.observe({ items: 1, workMs: 20, wallMs: 520 });
    // 1,000 items left, 2 workers: a quarter each time (two batches in flight per worker).
    expect(sizer.next(1_000)).toBe(250);
    target = 10;
    expect(sizer.next(1_000)).toBe(50);
  });

  it("never splits off a batch whose work is less than its own dispatch", () => {
    const sizer = new BatchSizer("auto", workers(8), 500);
    sizer.observe({ items: 1, workMs: 20, wallMs: 520 });
    // A fair share of 40 items would be 3 of 20 ms: 60 ms of work for 500 ms of dispatch.
    // 25 items is the least that pays for its message.
    expect(sizer.next(40)).toBe(25);
    expect(sizer.next(10)).toBe(25);
  });

  it("takes a fixed batch size as it is", () => {
    expect(new BatchSizer(7, workers(4), 500).next(1_000)).toBe(7);
  });
});
