/**
 * The Zarr script a user runs on threads(8) runs unchanged on Slurm tasks,
 * on a store in the shared staging filesystem: the store it leaves and the
 * arrays it reads are byte-identical to sequential(). The arrays are
 * small, so every call says inline: "never" and the test checks that the
 * Slurm tasks, not the caller, ran each chunk task.
 */
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { slurm } from "@parazarr/backend-slurm";
import { create, read, sequential, withPlan, writeRegion, type CodecOption, type Plan, type Selection } from "@parazarr/core";
import { slurmOptions, startCluster, type SlurmCluster } from "../packages/backend-slurm/test/fixtures/cluster.js";
import { expectRanOn, observed, type ObservedPlan } from "./fixtures/observed-plan.js";
import { pattern, snapshotStore } from "./fixtures/zarr-helpers.js";

let cluster: SlurmCluster;
let watched: ObservedPlan;

beforeAll(async () => {
  cluster = await startCluster();
  watched = observed(slurm(slurmOptions(cluster, { workers: 2 })));
});
afterAll(async () => {
  await watched.plan.close();
  await cluster.stop();
});

const cases: Array<{ name: string; zarrFormat: 2 | 3; codec: CodecOption; patch: Selection; selection: Selection }> = [
  { name: "v3 zstd", zarrFormat: 3, codec: "zstd", patch: [[5, 93], [10, 61]], selection: [[3, 90], 5] },
  { name: "v2 blosc", zarrFormat: 2, codec: "blosc", patch: [[0, 100], [33, 34]], selection: [null, [7, 70]] },
];

const onWorkers = { inline: "never" } as const;

async function script(plan: Plan, c: (typeof cases)[number]) {
  // Under the staging directory: the path every task sees as the caller does.
  const dir = mkdtempSync(join(cluster.dir, "parazarr", "zarr-"));
  return withPlan(plan, async () => {
    const array = await create(dir, "g/v", { shape: [100, 80], chunks: [10, 16], dtype: "float64", codec: c.codec, zarrFormat: c.zarrFormat });
    const receipts = [await writeRegion(array, null, pattern("float64", 8000, 1), onWorkers)];
    const patchShape = (c.patch as Array<[number, number] | number>).map((s) => (typeof s === "number" ? 1 : s[1] - s[0]));
    const patch = pattern("float64", patchShape.reduce((a, b) => a * b, 1), 2);
    receipts.push(await writeRegion(array, c.patch, { data: patch, shape: patchShape }, onWorkers));
    const reads = [await read(array, null, onWorkers), await read(array, c.selection, onWorkers)].map((r) => ({
      shape: r.shape,
      bytes: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    }));
    return { receipts, reads, store: snapshotStore(dir) };
  });
}

describe("zarr on slurm tasks: byte-identical to sequential()", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const expected = await script(sequential(), c);
      watched.reset();
      const actual = await script(watched.plan, c);
      for (const task of ["writeChunks", "readChunks"]) expectRanOn(watched, task, /^slurm task \d+_[01] worker \d+$/);
      expect(actual.store).toEqual(expected.store);
      expect(actual.receipts).toEqual(expected.receipts);
      expect(actual.reads).toEqual(expected.reads);
    });
  }
});
