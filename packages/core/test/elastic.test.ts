/**
 * Elastic plans (AWS Batch children, Slurm tasks) change their concurrency
 * while a map runs: the scheduler follows it, and a plan whose workers have
 * not started yet still gets work queued in it instead of waiting for ever.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { create, map, mapUnordered, read, sequential, withPlan, writeRegion } from "@parazarr/core";
import { ElasticBackend, elasticPlan } from "./fixtures/fake-backends.js";
import { square } from "./fixtures/tasks.mjs";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The promise, or a clear failure once `ms` have passed (the bug these tests guard against is a hang). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: the map hangs`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("a plan whose concurrency changes while a map runs", () => {
  it("follows 0 → 1 → 4 → 2 workers, with exact results", async () => {
    const backend = new ElasticBackend(0, 4);
    // No worker at first: the first one arrives a moment later, the next three once ten batches are done, two are lost at sixty.
    setTimeout(() => backend.setConcurrency(1), 100);
    backend.onFinished = (finished) => {
      if (finished === 10) backend.setConcurrency(4);
      if (finished === 60) backend.setConcurrency(2);
    };
    const results = await within(30_000, withPlan(elasticPlan(backend), () => map(square, range(200), { batchSize: 1 })));
    expect(results).toEqual(range(200).map((i) => i * i));
    // Two batches per worker at most (one running, one waiting its turn), and one queued while there was none.
    expect(backend.maxHeldAt.get(0)).toBe(1);
    expect(backend.maxHeldAt.get(1)).toBeLessThanOrEqual(2);
    expect(backend.maxHeldAt.get(4)).toBeLessThanOrEqual(8);
    expect(backend.maxHeldAt.get(2)).toBeLessThanOrEqual(4);
    // The new workers were used, not just allowed.
    expect(backend.maxHeldAt.get(4)).toBeGreaterThan(2);
  });

  it("fills workers that arrive at once, without waiting for a batch to finish", async () => {
    const backend = new ElasticBackend(1, 4);
    // Nothing finishes until the scheduler has sent more than one worker's share.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    backend.work = () => {
      if (backend.held > 2) release();
      return gate;
    };
    setTimeout(() => backend.setConcurrency(4), 50);
    const results = await within(20_000, withPlan(elasticPlan(backend), () => map(square, range(40), { batchSize: 1 })));
    expect(results).toEqual(range(40).map((i) => i * i));
  });

  it("mapUnordered starts on a plan with no worker yet, and yields every result once one arrives", async () => {
    const backend = new ElasticBackend(0, 2);
    setTimeout(() => backend.setConcurrency(2), 100);
    const collect = async () => {
      const seen = new Map<number, number>();
      for await (const { index, value } of mapUnordered(square, range(50))) seen.set(index, value);
      return seen;
    };
    const seen = await within(20_000, withPlan(elasticPlan(backend), collect));
    expect([...seen.entries()].sort((a, b) => a[0] - b[0])).toEqual(range(50).map((i) => [i, i * i]));
  });

  it("sizes a Zarr read for the workers it is heading for, not the one already up", async () => {
    const dir = await mkdtemp(join(tmpdir(), "parazarr-elastic-zarr-"));
    try {
      const array = await create(dir, "a", { shape: [64, 8], chunks: [1, 8], dtype: "int32", codec: "none" });
      const values = Int32Array.from(range(64 * 8));
      await withPlan(sequential(), () => writeRegion(array, null, values));
      const backend = new ElasticBackend(1, 8);
      const result = await withPlan(elasticPlan(backend), () => read(array, null, { inline: "never" }));
      expect(result.data).toEqual(values);
      // 64 chunks for 8 workers: 2 chunks a task, 32 tasks (sized for the 1 running: 16 a task, 4 tasks).
      expect(backend.items).toBe(32);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

