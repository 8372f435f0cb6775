/**
 * A SourceSpec from netcdf() is opened by the plan's workers themselves:
 * importing @parazarr/netcdf in the caller is all it takes, on threads and
 * on processes (the task module never imports it).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { map, sequential, setPlan, type Box, type SourceSpec } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { netcdf } from "@parazarr/netcdf";
import { readSourceBox } from "./fixtures/source-tasks.mjs";
import { allTypesCdl, ncgen, python, readWithPython } from "./fixtures/netcdf-files.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-plans-"));
  ncgen("nc6", allTypesCdl(4), join(dir, "a.nc"));
  python("make-nc4", join(dir, "b.nc4"));
}, 60_000);

afterAll(async () => {
  await setPlan(sequential());
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const reads = (): { spec: SourceSpec; variable: string; box: Box }[] => {
  const [a, b] = netcdf([join(dir, "a.nc"), join(dir, "b.nc4")]);
  return [
    { spec: a!, variable: "r_double", box: [[1, 4], [2, 5]] },
    { spec: a!, variable: "f_short", box: [[0, 3], [0, 5]] },
    { spec: b!, variable: "temp", box: [[3, 11], [0, 7], [4, 5]] },
    { spec: b!, variable: "counts", box: [[0, 11], [0, 9]] },
  ];
};

describe.each([
  ["threads(2)", () => threads(2), (r: { threadId: number; pid: number }) => r.pid === process.pid && r.threadId !== threadId],
  ["processes(2)", () => processes(2), (r: { threadId: number; pid: number }) => r.pid !== process.pid],
] as const)("on %s", (_name, makePlan, ranInWorker) => {
  it("workers open the files themselves and read the same values as netCDF4-python", async () => {
    await setPlan(makePlan());
    const inputs = reads();
    const results = await map(readSourceBox, inputs);
    for (const [i, result] of results.entries()) {
      const { spec, variable, box } = inputs[i]!;
      expect(ranInWorker(result), `${variable} ran in a worker`).toBe(true);
      expect(result.kind).toBe(i < 2 ? "cdf2" : "netcdf4");
      expect(result.values).toEqual(readWithPython(new URL(spec.url).pathname, [{ variable, box }])[0]);
    }
  }, 120_000);
});
