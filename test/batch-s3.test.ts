/**
 * The user's promise on AWS Batch (the stand-in: array children as local
 * processes with a job role, s3rver for staging and data): Zarr read and
 * write on s3:// run on the children, and the NetCDF → Zarr conversion with
 * s3:// sources and archive converts, resumes, validates, and equals
 * xarray's open_mfdataset of the files.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { convert, create, open, read, sequential, setPlan, validate, writeRegion } from "@parazarr/core";
import { netcdf } from "@parazarr/netcdf";
import { startStandIn, type StandIn } from "../packages/backend-batch/test/fixtures/stand-in.js";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { captureWarnings } from "./fixtures/expected-output.js";

let standIn: StandIn;
let client: S3Client;
const dirs = tempDirs();
/** Workers on a Batch child are named after it. */
const CHILD = /^batch child \d+ of [0-9a-f-]+ worker \d+$/;

beforeAll(async () => {
  standIn = await startStandIn();
  client = new S3Client({ ...standIn.s3.options, requestChecksumCalculation: "WHEN_REQUIRED" });
}, 120_000);
afterAll(async () => {
  await setPlan(sequential());
  client?.destroy();
  await standIn?.stop();
  dirs.removeAll();
});

const field = (rows: number, cols: number) => Float32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) * 1000 + (i % cols) + 0.5);

describe("Zarr on s3:// through batch({ workers: 2 })", () => {
  it("writes an array on the children and reads it back exactly, whole and as a hyperslab", async () => {
    const watched = observed(standIn.plan({ workers: 2 }));
    await setPlan(watched.plan);
    const url = standIn.dataUrl("era.zarr");
    // 2.3 MiB of chunks: large enough that the default sends the work to the workers.
    const array = await create(url, "temperature", { shape: [700, 640], chunks: [160, 192], dtype: "float32", codec: "zstd", dimensionNames: ["lat", "lon"] });
    const data = field(700, 640);
    const receipt = await writeRegion(array, null, data);
    expect(receipt.chunks).toHaveLength(5 * 4);
    expectRanOn(watched, "writeChunks", CHILD);
    const again = await open(url, "temperature");
    const whole = await read(again, null);
    expect(Array.from(whole.data as Float32Array)).toEqual(Array.from(data));
    expectRanOn(watched, "readChunks", CHILD);
    const slab = await read(again, [[100, 300], [50, 450]]);
    expect(slab.shape).toEqual([200, 400]);
    expect((slab.data as Float32Array)[0]).toBe(100 * 1000 + 50 + 0.5);
    await setPlan(sequential());
  }, 240_000);
});

async function download(prefix: string, to: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: standIn.s3.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const body = await (await client.send(new GetObjectCommand({ Bucket: standIn.s3.bucket, Key: object.Key! }))).Body!.transformToByteArray();
      const file = join(to, object.Key!.slice(prefix.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, body);
    }
    token = page.NextContinuationToken;
  } while (token !== undefined);
}

describe("convert with s3:// sources and archive on batch({ workers: 2 })", () => {
  it("converts on the children, resumes, validates, and the archive equals open_mfdataset(files)", async () => {
    const paths = (await makeCollection(dirs.temp("nc"), { files: 4, period: { days: 5 }, nlat: 10, nlon: 20, formats: ["NETCDF4", "NETCDF3_CLASSIC"] })).map((f) => f.path);
    const keys = paths.map((_, i) => `inputs/part-${i}.nc`);
    for (const [i, p] of paths.entries()) await client.send(new PutObjectCommand({ Bucket: standIn.s3.bucket, Key: keys[i], Body: readFileSync(p) }));
    const watched = observed(standIn.plan({ workers: 2 }));
    await setPlan(watched.plan);
    const archive = `s3://${standIn.s3.bucket}/batch-archive.zarr`;
    const sources = netcdf(keys.map((k) => `s3://${standIn.s3.bucket}/${k}`));
    const warned = captureWarnings();
    let summary, again;
    try {
      summary = await convert(sources, archive, { chunks: { time: 5 } });
      again = await convert(sources, archive, { chunks: { time: 5 } });
    } finally {
      warned.restore();
    }
    expectRanOn(watched, "convertUnits", CHILD);
    expect(summary.tasks).toMatchObject({ failed: 0, skipped: 0 });
    expect(again.tasks.written).toBe(0);
    expect((await validate(archive)).problems).toEqual([]);
    await setPlan(sequential());
    const local = join(dirs.temp("down"), "archive.zarr");
    await download("batch-archive.zarr/", local);
    expect((await compareWithMfdataset(local, paths)).differences).toEqual([]);
  }, 300_000);
});
