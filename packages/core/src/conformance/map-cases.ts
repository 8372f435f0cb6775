import { describe, expect, it } from "vitest";
import { map, mapUnordered } from "../map/map.js";
import { doubled, identity, square } from "./tasks.js";
import type { SuiteContext } from "./index.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function mapCases(suite: SuiteContext): void {
  describe("map", () => {
    it("returns results in input order", async () => {
      expect(await map(square, range(200))).toEqual(range(200).map((x) => x * x));
    });

    it("mapUnordered yields every index exactly once with its value", async () => {
      const seen = new Map<number, number>();
      for await (const { index, value } of mapUnordered(square, range(300))) {
        expect(seen.has(index)).toBe(false);
        seen.set(index, value);
      }
      expect(seen.size).toBe(300);
      for (const [index, value] of seen) expect(value).toBe(index * index);
    });

    it("takes a sync iterable and an async iterable as inputs", async () => {
      function* numbers() {
        for (let i = 0; i < 50; i++) yield i;
      }
      async function* slowNumbers() {
        for (let i = 0; i < 50; i++) {
          if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
          yield i;
        }
      }
      expect(await map(square, numbers())).toEqual(range(50).map((x) => x * x));
      expect(await map(square, slowNumbers())).toEqual(range(50).map((x) => x * x));
      expect(await map(square, new Set([3, 4]))).toEqual([9, 16]);
    });

    it("runs 10,000 small tasks", async () => {
      const results = await map(square, range(10_000));
      expect(results.length).toBe(10_000);
      expect(results[9_999]).toBe(9_999 * 9_999);
      expect(results.every((v, i) => v === i * i)).toBe(true);
    });

    it("round-trips a 64 MiB typed array", async () => {
      const input = new Float32Array(16 * 1024 * 1024);
      for (let i = 0; i < input.length; i++) input[i] = (i % 1021) - 510.5;
      const [out] = await map(doubled, [input]);
      expect(out).toBeInstanceOf(Float32Array);
      expect(out!.length).toBe(input.length);
      let mismatches = 0;
      for (let i = 0; i < input.length; i++) if (out![i] !== input[i]! * 2) mismatches++;
      expect(mismatches).toBe(0);
      // The caller's input is its own: not detached, not changed.
      expect(input.length).toBe(16 * 1024 * 1024);
      expect(input[1]).toBe(-509.5);
    });

    it("reports progress up to the total", async () => {
      const seen: Array<{ done: number; failed: number; total: number | undefined }> = [];
      await map(square, range(120), { onProgress: (p) => seen.push({ ...p }) });
      expect(seen.length).toBe(120);
      expect(seen.map((p) => p.done)).toEqual(range(120).map((i) => i + 1));
      expect(seen.at(-1)).toEqual({ done: 120, failed: 0, total: 120 });
    });

    it("keeps in-flight work bounded for a large iterable", async () => {
      const workers = await suite.plan().concurrency();
      const batchSize = 2;
      let yielded = 0;
      let done = 0;
      let maxOutstanding = 0;
      function* inputs() {
        for (let i = 0; i < 3_000; i++) {
          yielded++;
          maxOutstanding = Math.max(maxOutstanding, yielded - done);
          yield i;
        }
      }
      const results = await map(identity, inputs(), { batchSize, onProgress: (p) => (done = p.done) });
      expect(results.length).toBe(3_000);
      // Slots: one batch per worker, and on plans with workers a second one
      // queued behind it, so no worker waits for the scheduler. Every slot is
      // filled before the first result can come back (results arrive as
      // events; filling never waits for one), and the batch being filled is
      // the only work beyond them.
      const slots = suite.capabilities.inProcess ? workers : 2 * workers;
      expect(maxOutstanding).toBeGreaterThanOrEqual(slots * batchSize);
      expect(maxOutstanding).toBeLessThanOrEqual((slots + 1) * batchSize);
    });

    it("runs a fixed batch size and auto batching to the same results", async () => {
      const fixed = await map(square, range(1_000), { batchSize: 7 });
      const auto = await map(square, range(1_000));
      expect(fixed).toEqual(auto);
    });
  });
}
