/** http(s):// sources: downloaded to a temporary like s3://; a missing resource and a body cut short are tagged errors. */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { isNetcdfNotFoundError, isNetcdfSourceError, openNetcdf } from "@parazarr/netcdf";
import { startHttpServer } from "../../../test/fixtures/http-server.mjs";
import { allTypesCdl, ncgen, readWithPython } from "./fixtures/netcdf-files.js";

let dir: string;
let web: Awaited<ReturnType<typeof startHttpServer>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-http-"));
  ncgen("nc3", allTypesCdl(3), join(dir, "a.nc"));
  copyFileSync(join(dir, "a.nc"), join(dir, "cut.nc"));
  web = await startHttpServer(dir, { intercept: (path: string) => (path === "/cut.nc" ? { truncate: true } : undefined) });
});

afterAll(async () => {
  await web?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const temporaries = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`parazarr-netcdf-${process.pid}-`));

it("an http:// file is downloaded, read, and its temporary removed on close()", async () => {
  const source = await openNetcdf(`${web.url}/a.nc`);
  expect(source.kind).toBe("cdf1");
  expect(source.identity.size).toBe(readFileSync(join(dir, "a.nc")).length);
  const box = [[0, 3], [1, 4]] as const;
  expect(await source.read("r_int", box)).toEqual(readWithPython(join(dir, "a.nc"), [{ variable: "r_int", box }])[0]);
  expect(temporaries()).toHaveLength(1);
  await source.close();
  expect(temporaries()).toEqual([]);
});

it("a 404 is NetcdfNotFoundError; a body cut short is an error, never a truncated source", async () => {
  const missing = await openNetcdf(`${web.url}/none.nc`).catch((e: unknown) => e);
  expect(isNetcdfNotFoundError(missing)).toBe(true);
  const cut = await openNetcdf(`${web.url}/cut.nc`).catch((e: unknown) => e);
  expect(isNetcdfSourceError(cut), String(cut)).toBe(true);
  expect(temporaries()).toEqual([]);
});
