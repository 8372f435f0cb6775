/**
 * What xarray (Debian's python3-xarray, opened as users do: CF decoding on)
 * sees in v2 arrays parazarr wrote. It takes a v2 `fill_value` as
 * `_FillValue` and masks every element equal to it: with default options
 * nothing real is masked; a given fill value masks exactly the elements
 * equal to it (and unwritten ones), as the README says.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, open, sequential, setPlan, writeRegion, type CreateOptions } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { makeTempDir } from "./fixtures/zarr-helpers.js";
import { zarrPython } from "./fixtures/zarr-python.js";

const dirs: Array<{ remove(): void }> = [];
let root = "";
let dumps = "";
let summary: { variables: Record<string, { dtype: string; attrs: Record<string, unknown> }> };

// 4 chunks of 6; chunks 0 and 1 are written (0 to 11), 2 and 3 are left missing.
const written = [0, 1, -1, 0, 5, 0, 0, 7, -1, 0, 2, 0];
const LENGTH = 24;
// An integer array without fill value is written whole: zarr-python reads a
// missing chunk of such an array as uninitialised memory (see the README).
// Its last chunk is all zeros, which a fill value of 0 would have left unstored.
const whole = [...written, 3, -2, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0];

const arrays: Array<{ name: string; options: Partial<CreateOptions>; dtype: "int16" | "float32"; values: number[] }> = [
  { name: "int_default", dtype: "int16", options: {}, values: whole },
  { name: "float_default", dtype: "float32", options: {}, values: written },
  { name: "int_fill", dtype: "int16", options: { fillValue: -1 }, values: written },
  { name: "float_fill", dtype: "float32", options: { fillValue: -1 }, values: written },
];

beforeAll(async () => {
  await setPlan(threads(2));
  const r = makeTempDir("xr-defaults");
  const d = makeTempDir("xr-defaults-dumps");
  dirs.push(r, d);
  root = r.path;
  dumps = d.path;
  for (const a of arrays) {
    const array = await create(root, `g/${a.name}`, { shape: [LENGTH], chunks: [6], dtype: a.dtype, zarrFormat: 2, dimensionNames: [`x_${a.name}`], ...a.options });
    await writeRegion(array, [[0, a.values.length]], a.dtype === "int16" ? Int16Array.from(a.values) : Float32Array.from(a.values));
  }
  zarrPython("xarray", root, dumps, { group: "g", decode_cf: true });
  summary = JSON.parse(readFileSync(join(dumps, "xr_summary.json"), "utf8"));
});
afterAll(async () => {
  await setPlan(sequential());
  for (const dir of dirs) dir.remove();
});

function seen(name: string, dtype: string): number[] {
  const bytes = new Uint8Array(readFileSync(join(dumps, `xr_${name}.bin`)));
  const data = dtype === "<i2" ? new Int16Array(bytes.buffer) : dtype === "<f4" ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  return Array.from(data);
}

describe("xarray reads v2 arrays written with default options", () => {
  it("an int16 array keeps its dtype and every real 0, and its all-zero chunk is stored", async () => {
    expect(summary.variables.int_default!.dtype).toBe("<i2");
    expect(summary.variables.int_default!.attrs).not.toHaveProperty("_FillValue");
    expect(seen("int_default", "<i2")).toEqual(whole);
    expect((await open(root, "g/int_default")).fillValue).toBeNull();
  });

  it("a float32 array keeps every real 0 (and -1); missing chunks read as NaN", async () => {
    expect(summary.variables.float_default!.dtype).toBe("<f4");
    expect(seen("float_default", "<f4")).toEqual([...written, ...new Array(12).fill(Number.NaN)]);
    expect(Number.isNaN((await open(root, "g/float_default")).fillValue)).toBe(true);
  });
});

describe("xarray reads v2 arrays written with a given fillValue", () => {
  it("int16 fillValue -1: xarray masks every element equal to -1 (written or missing) as NaN, in float32", () => {
    expect(summary.variables.int_fill!.dtype).toBe("<f4");
    const masked = [...written.map((v) => (v === -1 ? Number.NaN : v)), ...new Array(12).fill(Number.NaN)];
    expect(seen("int_fill", "<f4")).toEqual(masked);
  });

  it("float32 fillValue -1: the same mask, the dtype stays float32", () => {
    expect(summary.variables.float_fill!.dtype).toBe("<f4");
    const masked = [...written.map((v) => (v === -1 ? Number.NaN : v)), ...new Array(12).fill(Number.NaN)];
    expect(seen("float_fill", "<f4")).toEqual(masked);
  });
});
