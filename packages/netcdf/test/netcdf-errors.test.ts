/**
 * What a user sees when a source cannot be read: a tagged error that names
 * the file (and the variable or box), raised at open() or before a read
 * touches the file.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isNetcdfFormatError,
  isNetcdfNotFoundError,
  isNetcdfSelectionError,
  isNetcdfSourceError,
  netcdf,
  openNetcdf,
} from "@parazarr/netcdf";
import { allTypesCdl, ncgen, python } from "./fixtures/netcdf-files.js";

let dir: string;
const at = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-errors-"));
  ncgen("nc5", allTypesCdl(2), at("cdf5.nc"));
  ncgen("nc3", allTypesCdl(3), at("good.nc3"));
  python("make-nc4", at("good.nc4"));
  writeFileSync(at("notes.txt"), "temperature,time\n1,2\n");
  writeFileSync(at("empty.nc"), "");
  const size = readFileSync(at("good.nc3")).length;
  copyFileSync(at("good.nc3"), at("truncated-data.nc3"));
  truncateSync(at("truncated-data.nc3"), size - 10);
  copyFileSync(at("good.nc3"), at("truncated-header.nc3"));
  truncateSync(at("truncated-header.nc3"), 60);
  copyFileSync(at("good.nc4"), at("truncated.nc4"));
  truncateSync(at("truncated.nc4"), Math.floor(readFileSync(at("good.nc4")).length / 2));
  const wrongVersion = readFileSync(at("good.nc3"));
  wrongVersion[3] = 3;
  writeFileSync(at("version3.nc"), wrongVersion);
}, 60_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error("expected the promise to reject");
}

describe("opening what is not a readable NetCDF file", () => {
  it("CDF-5 (made by ncgen -k nc5) is refused by name", async () => {
    const error = await rejection(openNetcdf(at("cdf5.nc")));
    expect(isNetcdfFormatError(error)).toBe(true);
    expect(error.message).toContain(at("cdf5.nc"));
    expect(error.message).toContain("CDF-5 (64-bit data) is not supported");
  });

  it("a text file: not a NetCDF file, with the first bytes seen", async () => {
    const error = await rejection(openNetcdf(at("notes.txt")));
    expect(isNetcdfFormatError(error)).toBe(true);
    expect(error.message).toContain(`${at("notes.txt")}: not a NetCDF file`);
    expect(error.message).toContain('"temperat');
  });

  it("an empty file and an unknown classic version", async () => {
    expect((await rejection(openNetcdf(at("empty.nc")))).message).toMatch(/empty\.nc: not a NetCDF file.*\(0 bytes\)/);
    const error = await rejection(openNetcdf(at("version3.nc")));
    expect(isNetcdfFormatError(error)).toBe(true);
    expect(error.message).toContain("version 3");
  });

  it("a classic file cut short in its data or its header", async () => {
    const data = await rejection(openNetcdf(at("truncated-data.nc3")));
    expect(isNetcdfFormatError(data)).toBe(true);
    expect(data.message).toMatch(/truncated-data\.nc3: truncated: variable "\w+" ends at byte \d+, but the file has \d+ bytes/);
    const header = await rejection(openNetcdf(at("truncated-header.nc3")));
    expect(isNetcdfFormatError(header)).toBe(true);
    expect(header.message).toMatch(/truncated-header\.nc3: .*truncated header/);
  });

  it("a NETCDF4 file cut in half", async () => {
    const error = await rejection(openNetcdf(at("truncated.nc4")));
    expect(isNetcdfFormatError(error)).toBe(true);
    expect(error.message).toContain(at("truncated.nc4"));
  });

  it("a missing file is named, not ENOENT soup", async () => {
    const error = await rejection(openNetcdf(at("missing.nc")));
    expect(isNetcdfNotFoundError(error)).toBe(true);
    expect(error.message).toBe(`${at("missing.nc")}: no such NetCDF file`);
    const [spec] = netcdf(at("missing.nc"));
    expect(isNetcdfNotFoundError(await rejection(openNetcdf(spec!.url)))).toBe(true);
  });

  it("URLs it cannot open: a relative path at a worker, another scheme, credentials", async () => {
    expect((await rejection(openNetcdf("data/a.nc"))).message).toContain("relative path");
    const ftp = await rejection(openNetcdf("ftp://example.org/a.nc"));
    expect(isNetcdfSourceError(ftp)).toBe(true);
    expect(ftp.message).toContain('unsupported URL scheme "ftp:"');
    const secret = await rejection(openNetcdf("https://user:hunter2@example.org/a.nc"));
    expect(isNetcdfSourceError(secret)).toBe(true);
    expect(secret.message).not.toContain("hunter2");
    expect(() => netcdf("s3://key:hunter2@bucket/a.nc")).toThrow(/user name or password/);
    expect(() => netcdf("ftp://example.org/a.nc")).toThrow(/unsupported URL scheme/);
  });
});

describe("reads a file cannot serve", () => {
  it.each(["good.nc3", "good.nc4"])("%s: an unknown variable, a skipped one, a box out of range, a read after close", async (name) => {
    const source = await openNetcdf(at(name));
    const unknown = await rejection(source.read("nope", []));
    expect(isNetcdfSelectionError(unknown)).toBe(true);
    expect(unknown.message).toContain(`${at(name)}: variable "nope": no such variable`);

    const [text, why] = Object.entries(source.skipped)[0]!;
    const skipped = await rejection(source.read(text, [[0, 1]]));
    expect(isNetcdfSelectionError(skipped)).toBe(true);
    expect(skipped.message).toContain(`not readable: ${why}`);

    const variable = Object.values(source.variables).find((v) => v.shape.length === 2)!;
    const [rows, cols] = variable.shape as [number, number];
    for (const box of [[[0, rows + 1], [0, cols]], [[0, 1]], [[2, 1], [0, 1]], [[0.5, 1], [0, 1]]]) {
      const error = await rejection(source.read(variable.name, box as never));
      expect(isNetcdfSelectionError(error), JSON.stringify(box)).toBe(true);
      expect(error.message).toContain(`variable ${JSON.stringify(variable.name)}`);
    }
    await source.close();
    expect(isNetcdfSourceError(await rejection(source.read(variable.name, [[0, 1], [0, 1]])))).toBe(true);
  });
});
