import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapUnordered, sequential, setPlan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { padLength } from "./fixtures/tasks.mjs";

const N = 1_000_000;
// Each input holds a fresh 200-character string: kept alive, a million of
// them would add well over 200 MB to the heap.
const input = (i: number) => ({ i, pad: String(i).padStart(200, "·") });
// Measured after a full GC at each checkpoint, so garbage not yet collected
// does not count: only what the map keeps alive does.
const BOUND_MB = 40;
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const retainedHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

function* inputs() {
  for (let i = 0; i < N; i++) yield input(i);
}
async function* asyncInputs() {
  for (let i = 0; i < N; i++) {
    if (i % 50_000 === 0) await new Promise((r) => setImmediate(r));
    yield input(i);
  }
}

async function peakHeapGrowthMb(source: Iterable<unknown> | AsyncIterable<unknown>): Promise<{ count: number; growthMb: number }> {
  const base = retainedHeap();
  let peak = base;
  let count = 0;
  for await (const { value } of mapUnordered(padLength, source as Iterable<{ pad: string }>)) {
    if (value !== 200) throw new Error(`wrong result ${value}`);
    if (++count % 100_000 === 0) peak = Math.max(peak, retainedHeap());
  }
  return { count, growthMb: (peak - base) / 2 ** 20 };
}

describe("a million inputs", () => {
  beforeAll(async () => {
    await setPlan(threads(2));
  });
  afterAll(async () => {
    await setPlan(sequential());
  });

  it("from an iterable, in bounded memory", async () => {
    const { count, growthMb } = await peakHeapGrowthMb(inputs());
    expect(count).toBe(N);
    expect(growthMb).toBeLessThan(BOUND_MB);
  });

  it("from an async iterable, in bounded memory", async () => {
    const { count, growthMb } = await peakHeapGrowthMb(asyncInputs());
    expect(count).toBe(N);
    expect(growthMb).toBeLessThan(BOUND_MB);
  });
});
