/**
 * Zarr cases of the conformance suite: every backend must produce the
 * same stores and the same arrays as `sequential()` for a read/write
 * script. Stores live in the OS temp directory, so workers must see the
 * caller's file system (true for threads, processes and loopback hosts),
 * or under the root URL the backend's test names (`zarrStore`: `s3://…`
 * for workers that share no disk with the caller).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Capabilities } from "../backend.js";
import { withPlan } from "../plan/current.js";
import type { Plan } from "../plan/plan.js";
import { sequential } from "../plan/sequential.js";
import { observed, type ObservedPlan } from "./observed-plan.js";
import { snapshotStore } from "./store-snapshot.js";
import type { CreateOptions } from "../zarr/create.js";
import { create, read, writeRegion, type Selection, type TypedArray } from "../zarr/index.js";

const METADATA = /(^|\/)(zarr\.json|\.zarray|\.zgroup|\.zattrs)$/;

const bytes = (data: TypedArray) => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");

interface ScriptCase {
  name: string;
  options: CreateOptions;
  values: (n: number) => TypedArray;
  patch: Selection;
  patchValues: (n: number) => TypedArray;
  selections: Selection[];
}

const cases: ScriptCase[] = [
  {
    name: "v3 zstd float32 3-D with uneven edge chunks",
    options: { shape: [9, 31, 27], chunks: [4, 8, 8], dtype: "float32", codec: "zstd", zarrFormat: 3 },
    values: (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i / 50) * 100 + (i % 7)),
    patch: [[2, 7], [5, 29], [3, 4]],
    patchValues: (n) => Float32Array.from({ length: n }, (_, i) => -i),
    selections: [[null, null, null], [[1, 8], 17, [0, 27]], [0, [0, 31], [26, 27]]],
  },
  {
    name: "v2 blosc F-order big-endian float64 with NaN fill",
    options: { shape: [40, 23], chunks: [9, 5], dtype: ">f8", codec: { name: "blosc", shuffle: "bitshuffle" }, zarrFormat: 2, order: "F", fillValue: Number.NaN },
    values: (n) => Float64Array.from({ length: n }, (_, i) => (i % 11 === 0 ? Number.NaN : i / 3)),
    patch: [[0, 9], [0, 5]],
    patchValues: (n) => new Float64Array(n).fill(Number.NaN),
    selections: [[null, null], [[8, 33], [2, 21]]],
  },
  {
    name: "v2 gzip int16 1-D",
    options: { shape: [1001], chunks: [64], dtype: "int16", codec: "gzip", zarrFormat: 2 },
    values: (n) => Int16Array.from({ length: n }, (_, i) => (i * 37) % 2000 - 1000),
    patch: [[100, 555]],
    patchValues: (n) => Int16Array.from({ length: n }, (_, i) => i),
    selections: [[null], [[63, 65]], [1000]],
  },
];

async function runScript(plan: Plan, root: string, c: ScriptCase): Promise<{ store: Record<string, string>; reads: string[] }> {
  return withPlan(plan, async () => {
    const array = await create(root, "group/array", c.options);
    const size = c.options.shape.reduce((a, b) => a * b, 1);
    await writeRegion(array, null, c.values(size));
    const patchShape = c.patch.flatMap((s, d) => (s === null ? [c.options.shape[d]!] : typeof s === "number" ? [] : [s[1] - s[0]]));
    await writeRegion(array, c.patch, { data: c.patchValues(patchShape.reduce((a, b) => a * b, 1)), shape: patchShape });
    const reads: string[] = [];
    for (const selection of c.selections) {
      const result = await read(array, selection);
      reads.push(`${JSON.stringify(result.shape)}:${bytes(result.data)}`);
    }
    return { store: await snapshotStore(root), reads };
  });
}

export function describeZarrCases(makePlan: () => Plan, capabilities: Capabilities, zarrStore?: () => Promise<string>): void {
  describe(`zarr${zarrStore === undefined ? "" : " (on the backend's store)"}`, () => {
    let plan: Plan;
    let watched: ObservedPlan;
    let temp: string | undefined;
    let root: string;
    let counter = 0;
    let knob: string | undefined;
    // A fresh store for each run of a script, under the root: cases never see each other's arrays.
    const freshDir = () => `${root}/store-${counter++}`;
    beforeAll(async () => {
      watched = observed(makePlan());
      plan = watched.plan;
      if (zarrStore === undefined) {
        temp = await mkdtemp(join(tmpdir(), "parazarr-conformance-zarr-"));
        root = pathToFileURL(temp).href;
      } else {
        root = (await zarrStore()).replace(/\/+$/, "");
      }
      // These cases are small; by default small calls run in the caller and
      // would never reach the backend under test. Send every call to it.
      knob = process.env.PARAZARR_INLINE_MAX_CHUNKS;
      process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";
    });
    afterAll(async () => {
      if (knob === undefined) delete process.env.PARAZARR_INLINE_MAX_CHUNKS;
      else process.env.PARAZARR_INLINE_MAX_CHUNKS = knob;
      await plan.close();
      // A store under the caller's root is the caller's to clean up (its server is usually thrown away).
      if (temp !== undefined) await rm(temp, { recursive: true, force: true });
    });

    for (const c of cases) {
      it(`writes and reads like sequential(): ${c.name}`, async () => {
        const expected = await runScript(sequential(), freshDir(), c);
        watched.reset();
        const actual = await runScript(plan, freshDir(), c);
        // Not two empty snapshots: the store holds the script's chunks, not only metadata.
        expect(Object.keys(expected.store).filter((key) => !METADATA.test(key)).length).toBeGreaterThan(0);
        expect(actual.store).toEqual(expected.store);
        expect(actual.reads).toEqual(expected.reads);
        if (capabilities.inProcess) {
          // No workers: Zarr I/O runs in the caller, never through the plan's backend.
          expect(watched.runs).toEqual([]);
        } else {
          // The script's writes and reads went through the backend under test, not the caller.
          expect(watched.workers("writeChunks")).not.toEqual([]);
          expect(watched.workers("readChunks")).not.toEqual([]);
        }
      });
    }

    it("independent writers of whole-chunk regions, running at once, build the same array", async () => {
      const root = freshDir();
      const options: CreateOptions = { shape: [64, 48], chunks: [16, 16], dtype: "uint32", codec: "zstd", zarrFormat: 3 };
      const array = await create(root, "a", options);
      const band = (k: number) => Uint32Array.from({ length: 16 * 48 }, (_, i) => k * 100_000 + i);
      await withPlan(plan, () =>
        Promise.all([0, 1, 2, 3].map((k) => writeRegion(array, [[16 * k, 16 * (k + 1)], null], band(k), { independent: true }))),
      );
      const result = await withPlan(plan, () => read(array));
      const expected = new Uint32Array(64 * 48);
      for (let k = 0; k < 4; k++) expected.set(band(k), k * 16 * 48);
      expect(Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength).equals(Buffer.from(expected.buffer))).toBe(true);
    });

    it(`a large read lands in ${capabilities.sharedMemory && !capabilities.inProcess ? "shared memory written by the workers" : "the caller's memory, from the task results"}`, async () => {
      const root = freshDir();
      const array = await create(root, "b", { shape: [100, 100], chunks: [10, 10], dtype: "float64", codec: "none" });
      const values = Float64Array.from({ length: 10_000 }, (_, i) => i * 0.5);
      await withPlan(plan, () => writeRegion(array, null, values));
      const result = await withPlan(plan, () => read(array, [[5, 95], [5, 95]]));
      const shared = result.data.buffer instanceof SharedArrayBuffer;
      expect(shared).toBe(capabilities.sharedMemory && !capabilities.inProcess);
      expect(result.data[0]).toBe(values[5 * 100 + 5]);
      expect(result.data[90 * 90 - 1]).toBe(values[94 * 100 + 94]);
    });
  });
}
