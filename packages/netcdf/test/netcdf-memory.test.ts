/**
 * A worker's memory is bounded by the box it reads, never by the file: a
 * small box of a 200 MB classic file must not grow the process's resident
 * set by anything near the file's size (netcdfjs would read all 200 MB).
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openNetcdf } from "@parazarr/netcdf";
import { python, readWithPython } from "./fixtures/netcdf-files.js";

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-memory-"));
  file = join(dir, "big.nc");
  python("make-big", file, "200");
}, 300_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it("reads small boxes of a 200 MB classic file without growing RSS by the file's size", async () => {
  const size = statSync(file).size;
  expect(size).toBeGreaterThan(200e6);
  const boxes = [
    [[20, 22], [100, 300], [400, 500]], // a small block
    [[0, 50], [500, 501], [500, 501]], // one value per plane, 4 MB apart: 50 separate reads
    [[49, 50], [999, 1000], [0, 1000]], // the very last row
  ] as const;
  const expected = readWithPython(file, boxes.map((box) => ({ variable: "v", box })));

  const before = process.memoryUsage().rss;
  const source = await openNetcdf(file);
  const values = [];
  for (const box of boxes) values.push(await source.read("v", box));
  const grown = process.memoryUsage().rss - before;
  await source.close();

  values.forEach((got, i) => expect(got).toEqual(expected[i]));
  expect(values[1]).toEqual(Float32Array.from({ length: 50 }, (_, t) => 500 * 1000 + 500 + t));
  // The boxes hold 41,050 floats (164 kB) and the read buffer is 1 MiB.
  expect(grown).toBeLessThan(32 * 2 ** 20);
}, 120_000);
