/**
 * Consolidated metadata (.zmetadata) as zarr-python's `open_consolidated`
 * sees it: complete after concurrent creates in one process, and rebuilt
 * by `consolidate(url)` after others changed the archive.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { consolidate, create, isArrayExistsError, isReadOnlyStoreError, open, read, writeRegion } from "@parazarr/core";
import { makeTempDir } from "./fixtures/zarr-helpers.js";

const dirs: Array<{ path: string; remove(): void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));
const tempDir = () => {
  const dir = makeTempDir("consolidate");
  dirs.push(dir);
  return dir.path;
};

/** What zarr-python finds through .zmetadata alone: every array path with its shape, and one array's values. */
function openConsolidated(root: string, valuesOf?: string): { arrays: Record<string, number[]>; values?: number[] } {
  const script = `
import json, sys, zarr
g = zarr.open_consolidated(sys.argv[1], mode="r")
arrays = {}
g.visititems(lambda name, node: arrays.__setitem__(name, list(node.shape)) if isinstance(node, zarr.Array) else None)
out = {"arrays": arrays}
if len(sys.argv) > 2: out["values"] = g[sys.argv[2]][...].tolist()
print(json.dumps(out))
`;
  const args = ["-c", script, root, ...(valuesOf ? [valuesOf] : [])];
  return JSON.parse(execFileSync("/usr/bin/python3", args, { encoding: "utf8" }));
}

const names = Array.from({ length: 8 }, (_, i) => `var${i}`);

it("eight creates at once: .zmetadata lists all eight arrays", async () => {
  const root = tempDir();
  await Promise.all(names.map((name, i) => create(root, name, { shape: [10 + i], chunks: [5], dtype: "float32", zarrFormat: 2 })));
  const seen = openConsolidated(root);
  expect(Object.keys(seen.arrays).sort()).toEqual(names);
  expect(seen.arrays["var7"]).toEqual([17]);
});

it("eight creates at once in nested groups: every group and array is listed", async () => {
  const root = tempDir();
  await Promise.all(names.map((name, i) => create(root, `g${i % 2}/${name}`, { shape: [4], chunks: [2], dtype: "int16", zarrFormat: 2 })));
  expect(Object.keys(openConsolidated(root).arrays).sort()).toEqual(names.map((n, i) => `g${i % 2}/${n}`).sort());
});

it("consolidate(url) rebuilds .zmetadata from what is stored: nodes added by another writer appear, removed ones go", async () => {
  const root = tempDir();
  const kept = await create(root, "kept", { shape: [6], chunks: [3], dtype: "float64", zarrFormat: 2, attributes: { units: "K" } });
  await writeRegion(kept, null, Float64Array.from([1, 2, 3, 4, 5, 6]));
  await create(root, "removed", { shape: [6], chunks: [3], dtype: "float64", zarrFormat: 2 });
  // Another writer, which does not consolidate: zarr-python adds a group and an array in it, and the "removed" array goes.
  execFileSync("/usr/bin/python3", ["-c", `
import sys, zarr
g = zarr.open_group(sys.argv[1], mode="a")
g.create_group("other").zeros("added", shape=(3, 2), chunks=(3, 2), dtype="i4")
`, root]);
  rmSync(join(root, "removed"), { recursive: true });
  expect(Object.keys(openConsolidated(root).arrays).sort()).toEqual(["kept", "removed"]);

  const keys = await consolidate(root);
  expect(keys).toEqual([".zgroup", "kept/.zarray", "kept/.zattrs", "other/.zgroup", "other/added/.zarray"]);
  const seen = openConsolidated(root, "kept");
  expect(seen.arrays).toEqual({ kept: [6], "other/added": [3, 2] });
  expect(seen.values).toEqual([1, 2, 3, 4, 5, 6]);
  // parazarr still reads through its own metadata as before.
  expect([...(await read(kept)).data]).toEqual([1, 2, 3, 4, 5, 6]);
});

it("consolidate on a read-only store is a ReadOnlyStoreError naming the store", async () => {
  const error = await consolidate("http://127.0.0.1:9/archive.zarr").then(() => undefined, (e: unknown) => e);
  expect(isReadOnlyStoreError(error)).toBe(true);
  expect((error as Error).message).toContain("127.0.0.1:9");
});

it("two creates of one path at once: one succeeds, the other is an ArrayExistsError, and the stored array is the winner's", async () => {
  for (const zarrFormat of [2, 3] as const) {
    const root = tempDir();
    const shapes = [[4], [6], [8], [10]];
    const outcomes = await Promise.allSettled(shapes.map((shape) => create(root, "t", { shape, chunks: [2], dtype: "float32", zarrFormat })));
    const winners = outcomes.flatMap((o, i) => (o.status === "fulfilled" ? [shapes[i]!] : []));
    const losers = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(3);
    expect(losers.every(isArrayExistsError)).toBe(true);
    expect((await open(root, "t")).shape).toEqual(winners[0]);
  }
});
