/**
 * The same conversion with sources and archive on an S3-protocol server
 * (s3rver on loopback): workers download the sources themselves, write the
 * chunks, the ledger and the claims as objects; a rerun resumes. xarray
 * reads the archive after it is copied down (xarray 2023 here has no S3
 * filesystem without s3fs).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convert, sequential, setPlan, validate } from "@parazarr/core";
import { netcdf } from "@parazarr/netcdf";
import { threads } from "@parazarr/backend-threads";
import { startS3Server } from "./fixtures/s3-server.mjs";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { captureWarnings } from "./fixtures/expected-output.js";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let client: S3Client;
const dirs = tempDirs();
let paths: string[];
let keys: string[];

beforeAll(async () => {
  s3 = await startS3Server();
  // What each worker finds in its environment: credentials, region and the endpoint.
  Object.assign(process.env, s3.env, { AWS_ENDPOINT_URL_S3: s3.endpoint });
  client = new S3Client({ ...s3.options, requestChecksumCalculation: "WHEN_REQUIRED" });
  paths = (await makeCollection(dirs.temp("nc"), { files: 4, period: { days: 5 }, nlat: 10, nlon: 20, formats: ["NETCDF4", "NETCDF3_CLASSIC"] })).map((f) => f.path);
  keys = paths.map((p, i) => `inputs/part-${i}.nc`);
  for (const [i, p] of paths.entries()) await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: keys[i], Body: readFileSync(p) }));
}, 120_000);
afterAll(async () => {
  await setPlan(sequential());
  client?.destroy();
  await s3?.stop();
  dirs.removeAll();
});

/** Copies every object under `prefix` to a local folder, for readers without S3. */
async function download(prefix: string, to: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: object.Key! }))).Body!.transformToByteArray();
      const file = join(to, object.Key!.slice(prefix.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
}

describe("convert with sources and archive on s3:// (threads(2))", () => {
  it("converts, resumes, validates, and the archive equals open_mfdataset(files)", async () => {
    const watched = observed(threads(2));
    await setPlan(watched.plan);
    const archive = { url: `s3://${s3.bucket}/archive.zarr`, options: s3.options };
    const sources = netcdf(keys.map((k) => `s3://${s3.bucket}/${k}`));
    // s3rver ignores conditional writes: the claims' fallback says so, once per store.
    const warned = captureWarnings();
    let summary, again;
    try {
      summary = await convert(sources, archive, { chunks: { time: 5 } });
      again = await convert(sources, archive, { chunks: { time: 5 } });
    } finally {
      warned.restore();
    }
    expect(warned.warnings.map((w) => w.code)).toContain("PARAZARR_S3_NO_CONDITIONAL_WRITES");
    expectRanOn(watched, "convertUnits", /^thread \d+$/);
    expect(summary.tasks).toMatchObject({ failed: 0, skipped: 0 });
    expect(again.tasks.written).toBe(0);
    expect((await validate(archive)).problems).toEqual([]);
    const local = join(dirs.temp("down"), "archive.zarr");
    await download("archive.zarr/", local);
    expect((await compareWithMfdataset(local, paths)).differences).toEqual([]);
  }, 180_000);
});
