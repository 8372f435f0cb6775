import { createServer } from "node:net";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { create, isArrayNotFoundError, isTaskError, open, read, sequential, setPlan, writeRegion, type TaskError } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";
import { startS3Server } from "./fixtures/s3-server.mjs";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let raw: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  // Before any worker starts: each worker finds its credentials in its own environment.
  Object.assign(process.env, s3.env);
  raw = new S3Client({ ...s3.options });
});

afterAll(async () => {
  await setPlan(sequential());
  raw?.destroy();
  await s3?.stop();
});

const archive = (name: string) => ({ url: `s3://${s3.bucket}/${name}`, options: s3.options });

/** A smooth field with a little structure, so a misplaced block shows. */
const field = (rows: number, cols: number) =>
  Float32Array.from({ length: rows * cols }, (_, i) => Math.floor(i / cols) * 1000 + (i % cols) + 0.5);

/** threads(2), watched: every test in this group asserts its chunk work ran on the threads, not inline in the caller. */
async function onThreads() {
  const watched = observed(threads(2));
  await setPlan(watched.plan);
  return watched;
}
const THREAD = /^thread \d+$/;

async function objectBytes(key: string): Promise<Uint8Array | undefined> {
  try {
    const out = await raw.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    return await out.Body!.transformToByteArray();
  } catch (error) {
    if ((error as Error).name === "NoSuchKey") return undefined;
    throw error;
  }
}

describe("Zarr on s3:// with threads(2)", () => {
  it("writes an array in parallel and reads it back exactly, whole and as a hyperslab", async () => {
    const watched = await onThreads();
    // 2.3 MiB of chunks: large enough that the default sends the work to the threads.
    const temperature = await create(archive("era.zarr"), "temperature", {
      shape: [700, 640],
      chunks: [160, 192], // uneven edge chunks on both axes
      dtype: "float32",
      codec: "zstd",
      dimensionNames: ["lat", "lon"],
    });
    const data = field(700, 640);
    const receipt = await writeRegion(temperature, null, data);
    expect(receipt.chunksWritten).toBe(5 * 4);
    expectRanOn(watched, "writeChunks", THREAD);

    // The objects are where a Zarr reader expects them under the prefix.
    expect(await objectBytes("era.zarr/temperature/zarr.json")).toBeDefined();
    expect((await objectBytes("era.zarr/temperature/c/4/3"))?.byteLength).toBe(receipt.chunks.at(-1)?.bytes);

    const reopened = await open(archive("era.zarr"), "temperature");
    const whole = await read(reopened, null);
    expect(whole.shape).toEqual([700, 640]);
    expect(whole.data).toEqual(data);
    expectRanOn(watched, "readChunks", THREAD);

    // Two chunks: a hyperslab this small would run in the caller by default.
    watched.reset();
    const slab = await read(reopened, [[150, 190], 33], { inline: "never" });
    expect(slab.shape).toEqual([40]);
    expect(slab.data).toEqual(Float32Array.from({ length: 40 }, (_, i) => (150 + i) * 1000 + 33 + 0.5));
    expectRanOn(watched, "readChunks", THREAD);
  });

  it("stores the same bytes on sequential() and threads(2), v2 with blosc included", async () => {
    const receipts = [];
    const watched = observed(threads(2));
    for (const [name, plan] of [["seq", sequential()], ["thr", watched.plan]] as const) {
      await setPlan(plan);
      const arr = await create(archive(`same-${name}.zarr`), "t", {
        shape: [40, 50],
        chunks: [8, 16],
        dtype: "int16",
        codec: { name: "blosc", cname: "lz4", shuffle: "shuffle" },
        zarrFormat: 2,
        fillValue: -1,
      });
      // inline: "never": 4 KB would otherwise be written in the caller on both plans.
      receipts.push(await writeRegion(arr, null, Int16Array.from({ length: 40 * 50 }, (_, i) => (i % 700) - 350), { inline: "never" }));
    }
    expectRanOn(watched, "writeChunks", THREAD);
    const [sequentialReceipt, threadsReceipt] = receipts;
    expect(threadsReceipt!.chunks).toEqual(sequentialReceipt!.chunks);
    for (const { key } of sequentialReceipt!.chunks.slice(0, 5)) {
      const path = key.replace(/^\//, "");
      expect(await objectBytes(`same-thr.zarr/${path}`)).toEqual(await objectBytes(`same-seq.zarr/${path}`));
    }
    expect(await objectBytes("same-thr.zarr/.zmetadata")).toBeDefined(); // consolidated, for xarray
  });

  it("independent writers of whole-chunk regions, running at once, together fill the array", async () => {
    const watched = await onThreads();
    const arr = await create(archive("regions.zarr"), "v", { shape: [64, 64], chunks: [16, 64], dtype: "float64" });
    const all = Float64Array.from({ length: 64 * 64 }, (_, i) => i / 3);
    await Promise.all(
      [0, 1, 2, 3].map((k) =>
        writeRegion(arr, [[k * 16, (k + 1) * 16], null], all.subarray(k * 16 * 64, (k + 1) * 16 * 64), { independent: true, inline: "never" }),
      ),
    );
    expect(watched.runs.filter((run) => run.task === "writeChunks")).toHaveLength(4);
    expectRanOn(watched, "writeChunks", THREAD);
    expect((await read(arr, null, { inline: "never" })).data).toEqual(all);
  });

  it("a chunk rewritten to the fill value is deleted from the bucket and reads as fill", async () => {
    const watched = await onThreads();
    const arr = await create(archive("fill.zarr"), "m", { shape: [32, 32], chunks: [16, 16], dtype: "float32", fillValue: 0 });
    await writeRegion(arr, null, new Float32Array(32 * 32).fill(7), { inline: "never" });
    expect(await objectBytes("fill.zarr/m/c/1/1")).toBeDefined();

    watched.reset();
    await writeRegion(arr, [[16, 32], [16, 32]], new Float32Array(16 * 16), { inline: "never" }); // all zeros
    expectRanOn(watched, "writeChunks", THREAD); // the delete came from a thread
    expect(await objectBytes("fill.zarr/m/c/1/1")).toBeUndefined();
    const { data } = await read(arr, [[15, 17], [15, 17]], { inline: "never" });
    expect(data).toEqual(Float32Array.of(7, 7, 7, 0));
    expectRanOn(watched, "readChunks", THREAD);
  });

  it("a missing array is an ArrayNotFoundError naming the s3:// URL", async () => {
    const error = await open(archive("nothing-here.zarr"), "x").catch((e: unknown) => e);
    expect(isArrayNotFoundError(error)).toBe(true);
    expect((error as Error).message).toContain(`s3://${s3.bucket}/nothing-here.zarr`);
  });

  it("a chunk read that fails in a worker names bucket and key, and carries no secret", async () => {
    await onThreads();
    const arr = await create(archive("moved.zarr"), "a", { shape: [64, 64], chunks: [8, 8], dtype: "uint8" });
    await writeRegion(arr, null, new Uint8Array(64 * 64).fill(1));
    // The handle is plain data: point it at a bucket that does not exist.
    const gone = { ...arr, store: { ...arr.store, url: "s3://no-such-bucket/moved.zarr" } };
    const error = await read(gone, null, { inline: "never" }).catch((e: unknown) => e);
    expect(isTaskError(error)).toBe(true);
    // The worker built its S3 client from its own environment's credentials.
    expect((error as TaskError).worker).toMatch(THREAD);
    expect((error as Error).message).toMatch(/S3 GetObject s3:\/\/no-such-bucket\/moved\.zarr\/a\/c\/\d+\/\d+ failed: NoSuchBucket/);
    const cause = (error as Error).cause as { _tag?: string; transient?: boolean; bucket?: string };
    expect(cause).toMatchObject({ _tag: "S3StoreError", transient: false, bucket: "no-such-bucket" });
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain(s3.secretAccessKey);
  });

  it("a worker's transient failure (endpoint down) reaches the caller still marked transient", async () => {
    await onThreads();
    const arr = await create(archive("down.zarr"), "a", { shape: [64, 64], chunks: [8, 8], dtype: "uint8" });
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const { port } = closed.address() as { port: number };
    await new Promise((done) => closed.close(done));
    const down = { ...arr, store: { ...arr.store, options: { ...arr.store.options, endpoint: `http://127.0.0.1:${port}` } } };
    const error = await read(down, null, { inline: "never" }).catch((e: unknown) => e);
    expect(isTaskError(error)).toBe(true);
    expect((error as TaskError).worker).toMatch(THREAD);
    expect((error as Error).cause).toMatchObject({ _tag: "S3StoreError", code: "ECONNREFUSED", transient: true });
  });
});
