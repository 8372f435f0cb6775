/** http(s):// sources: downloaded to a temporary like s3://; a missing resource and a body cut short are tagged errors. */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
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

const host = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40);
const temporaries = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`parazarr-netcdf-${process.pid}-`) && name.includes(`@${host}-`));

it("the first download removes what workers of this host that are gone left behind (a SIGKILL runs no exit handler)", async () => {
  const dead = spawnSync("true").pid!;
  const orphan = mkdtempSync(join(tmpdir(), `parazarr-netcdf-${dead}-0@${host}-`));
  writeFileSync(join(orphan, "source.nc"), "left by a killed worker");
  const elsewhere = mkdtempSync(join(tmpdir(), `parazarr-netcdf-${dead}-0@otherhost-`));
  const source = await openNetcdf(`${web.url}/a.nc`);
  await source.close();
  expect(existsSync(orphan)).toBe(false);
  // Another host's (a shared temporary folder), by name: never touched.
  expect(existsSync(elsewhere)).toBe(true);
  rmSync(elsewhere, { recursive: true });
});

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
