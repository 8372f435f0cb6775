/**
 * s3:// sources against a real S3-protocol server (s3rver on loopback): the
 * worker downloads the object to a temporary file with its own credentials
 * and endpoint (from the environment, as the SDK's default chain reads
 * them), names the object's identity by size and ETag, and removes the
 * temporary on close().
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNetcdfNotFoundError, openNetcdf } from "@parazarr/netcdf";
import { startS3Server } from "../../../test/fixtures/s3-server.mjs";
import { allTypesCdl, ncgen, python, readWithPython } from "./fixtures/netcdf-files.js";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let client: S3Client;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "parazarr-netcdf-s3-"));
  ncgen("nc3", allTypesCdl(3), join(dir, "a.nc3"));
  python("make-nc4", join(dir, "b.nc4"));
  s3 = await startS3Server();
  // What a worker finds in its environment: credentials, region and the endpoint of an S3-compatible server.
  Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_S3: s3.endpoint });
  client = new S3Client({ ...s3.options, requestChecksumCalculation: "WHEN_REQUIRED" });
  for (const [key, file] of [["in/a.nc3", "a.nc3"], ["in/deep/b.nc4", "b.nc4"]] as const) {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: readFileSync(join(dir, file)) }));
  }
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const host = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40);
const temporaries = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`parazarr-netcdf-${process.pid}-`) && name.includes(`@${host}-`));

describe("s3:// sources", () => {
  it.each([
    ["in/a.nc3", "a.nc3", "cdf1", "r_float", [[1, 3], [0, 5]]],
    ["in/deep/b.nc4", "b.nc4", "netcdf4", "temp", [[2, 9], [1, 6], [3, 9]]],
  ] as const)("%s is downloaded, read like the local file, and its temporary removed on close()", async (key, local, kind, variable, box) => {
    const before = temporaries();
    const source = await openNetcdf(`s3://${s3.bucket}/${key}`);
    expect(source.kind).toBe(kind);
    expect(source.url).toBe(`s3://${s3.bucket}/${key}`);
    const bytes = readFileSync(join(dir, local));
    expect(source.identity).toEqual({ size: bytes.length, etag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(await source.read(variable, box)).toEqual(readWithPython(join(dir, local), [{ variable, box }])[0]);
    const during = temporaries().filter((t) => !before.includes(t));
    expect(during).toHaveLength(1);
    expect(readFileSync(join(tmpdir(), during[0]!, "source.nc")).equals(bytes)).toBe(true);
    await source.close();
    expect(existsSync(join(tmpdir(), during[0]!))).toBe(false);
  });

  it("a missing object is NetcdfNotFoundError naming the URL, and leaves no temporary", async () => {
    const before = temporaries();
    const error = await openNetcdf(`s3://${s3.bucket}/in/none.nc`).catch((e: unknown) => e as Error);
    expect(isNetcdfNotFoundError(error)).toBe(true);
    expect((error as Error).message).toBe(`s3://${s3.bucket}/in/none.nc: no such NetCDF file`);
    expect((error as Error).message).not.toContain(s3.secretAccessKey);
    expect(temporaries()).toEqual(before);
  });

  it("a worker that exits without close() leaves no temporary behind", async () => {
    const script = fileURLToPath(new URL("./fixtures/open-and-exit.mjs", import.meta.url));
    // Not execFileSync: the S3 server answers from this process's event loop.
    const { stdout } = await promisify(execFile)(process.execPath, [script, `s3://${s3.bucket}/in/a.nc3`], { encoding: "utf8" });
    const made = JSON.parse(stdout) as string[];
    expect(made).toHaveLength(1);
    expect(existsSync(join(tmpdir(), made[0]!))).toBe(false);
  });
});
