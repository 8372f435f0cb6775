/**
 * Chunk ownership across the calls of one process: writeRegion calls in
 * flight at once whose regions share chunks lose no update, on every plan,
 * and a chunk two calls write ends up as the later call left it.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, isAbortError, read, sequential, setPlan, withPlan, writeRegion, type Plan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { ssh } from "@parazarr/backend-ssh";
import { sshOptions, startSshServers, type SshServers } from "../packages/backend-ssh/test/fixtures/servers.js";
import { makeTempDir } from "./fixtures/zarr-helpers.js";

const dir = makeTempDir("ownership");
let servers: SshServers;
const plans: Record<string, Plan> = {};

beforeAll(async () => {
  servers = await startSshServers(1);
  plans["sequential()"] = sequential();
  plans["threads(2)"] = threads(2);
  plans["processes(2)"] = processes(2);
  plans["ssh (one host, 2 workers)"] = ssh(sshOptions(servers, { workersPerHost: 2 }));
});
afterAll(async () => {
  for (const plan of Object.values(plans)) await plan.close();
  await setPlan(sequential());
  await servers.stop();
  dir.remove();
});

let arrays = 0;
const newArray = (shape: number[], chunks: number[]) =>
  create(dir.path, `a${arrays++}`, { shape, chunks, dtype: "float32", codec: "zstd", fillValue: 0 });

const filled = (length: number, value: number) => new Float32Array(length).fill(value);

/** Rows [8i, 8i+8) of a 64×64 array hold i + 1; chunks are 16×16, so every chunk row is shared by two bands. */
async function writeBandsAtOnce(): Promise<Float32Array> {
  const array = await newArray([64, 64], [16, 16]);
  await Promise.all(Array.from({ length: 8 }, (_, i) => writeRegion(array, [[8 * i, 8 * i + 8], null], filled(8 * 64, i + 1))));
  return (await read(array)).data as Float32Array;
}

const expectedBands = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.floor(i / 64 / 8) + 1);

for (const name of ["sequential()", "threads(2)", "processes(2)", "ssh (one host, 2 workers)"]) {
  describe(`concurrent writeRegion calls on ${name}`, () => {
    // Every call goes to the workers, however small: the worker path is the one under test here.
    const onWorkers = <T>(fn: () => Promise<T>) => {
      process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";
      return withPlan(plans[name]!, fn).finally(() => delete process.env.PARAZARR_INLINE_MAX_CHUNKS);
    };

    it("two disjoint halves of one chunk, written at once, both land", async () => {
      const data = await onWorkers(async () => {
        const array = await newArray([8], [8]);
        await Promise.all([writeRegion(array, [[0, 4]], filled(4, 1)), writeRegion(array, [[4, 8]], filled(4, 2))]);
        return (await read(array)).data;
      });
      expect([...data]).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    });

    it("eight bands that share chunk rows, written at once, all land", async () => {
      for (let trial = 0; trial < 3; trial++) expect(await onWorkers(writeBandsAtOnce)).toEqual(expectedBands);
    });

    it("overlapping regions written at once: the later call wins where they overlap", async () => {
      const { data, receipt, path } = await onWorkers(async () => {
        const array = await newArray([40], [16]);
        const [, receipt] = await Promise.all([writeRegion(array, [[0, 30]], filled(30, 1)), writeRegion(array, [[10, 40]], filled(30, 2))]);
        return { data: (await read(array)).data, receipt, path: array.path };
      });
      expect([...data]).toEqual([...filled(10, 1), ...filled(30, 2)]);
      // The later call waited for chunks 0 and 1 but not for chunk 2: its receipt still lists them in grid order.
      expect(receipt.chunks.map((c) => c.key)).toEqual([0, 1, 2].map((i) => `/${path}/c/${i}`));
    });
  });
}

describe("concurrent writeRegion calls that run in the caller (small calls, default settings)", () => {
  it("the two halves of one chunk both land, on the default plan and on threads(2)", async () => {
    for (const plan of [sequential(), plans["threads(2)"]!]) {
      const data = await withPlan(plan, async () => {
        const array = await newArray([8], [8]);
        await Promise.all([writeRegion(array, [[0, 4]], filled(4, 1)), writeRegion(array, [[4, 8]], filled(4, 2))]);
        return (await read(array)).data;
      });
      expect([...data]).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    }
  });

  it("a read during concurrent writes sees every chunk whole: all old or all new", async () => {
    const array = await newArray([8, 1000], [8, 1000]);
    await writeRegion(array, null, filled(8000, 1));
    let finished = false;
    const writes = Promise.all(Array.from({ length: 8 }, (_, i) => writeRegion(array, [[i, i + 1], null], filled(1000, 2))));
    void writes.then(() => (finished = true));
    let reads = 0;
    for (let done = false; !done; reads++) {
      done = finished;
      const rows = (await read(array)).data as Float32Array;
      for (let row = 0; row < 8; row++) expect(new Set(rows.subarray(row * 1000, (row + 1) * 1000)).size).toBe(1);
    }
    await writes;
    expect(reads).toBeGreaterThan(1);
    expect(new Set((await read(array)).data as Float32Array)).toEqual(new Set([2]));
  });
});

describe("chunk ownership when a call fails or is cancelled", () => {
  it("a call cancelled while others wait for its chunks rejects with AbortError, and the others complete", async () => {
    await setPlan(threads(2));
    const array = await newArray([64, 64], [16, 16]);
    const controller = new AbortController();
    const first = writeRegion(array, [[0, 40], null], filled(40 * 64, 1), { onProgress: () => controller.abort(new Error("stop")) });
    const second = writeRegion(array, [[40, 64], null], filled(24 * 64, 2), { signal: controller.signal });
    const third = writeRegion(array, [[30, 50], null], filled(20 * 64, 3));
    const [a, b, c] = await Promise.allSettled([first, second, third]);
    expect(a.status).toBe("fulfilled");
    expect(b.status === "rejected" && isAbortError(b.reason)).toBe(true);
    expect(c.status).toBe("fulfilled");
    const data = (await read(array, [[0, 50], 0])).data as Float32Array;
    expect([...data]).toEqual([...filled(30, 1), ...filled(20, 3)]);
  });

  it("a call refused for bad input releases its chunks: a later call on them completes", async () => {
    await setPlan(sequential());
    const array = await newArray([8], [8]);
    const refused = writeRegion({ ...array, codecs: [{ name: "no-such-codec", configuration: {} }] }, [[0, 4]], filled(4, 1));
    const later = writeRegion(array, [[4, 8]], filled(4, 2));
    await expect(refused).rejects.toThrow();
    await later;
    expect([...(await read(array)).data]).toEqual([0, 0, 0, 0, 2, 2, 2, 2]);
  });

  it("a cancelled write on threads leaves no temporary file behind", async () => {
    await setPlan(threads(2));
    process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";
    try {
      // Large uncompressed chunks: the cancel lands while chunk files are being filled.
      const array = await create(dir.path, "big", { shape: [64, 512, 512], chunks: [4, 512, 512], dtype: "float32", codec: "none", zarrFormat: 2 });
      for (let trial = 0; trial < 3; trial++) {
        const controller = new AbortController();
        let stored = 0;
        const writing = writeRegion(array, null, filled(64 * 512 * 512, trial + 1), {
          signal: controller.signal,
          onProgress: ({ done }) => {
            stored = done;
            if (done >= 2) controller.abort(new Error("user pressed stop"));
          },
        });
        const error = await writing.then(() => undefined, (e: unknown) => e);
        expect(isAbortError(error)).toBe(true);
        expect(stored).toBeLessThan(16);
        expect(readdirSync(join(dir.path, "big")).filter((n) => n.endsWith(".partial"))).toEqual([]);
      }
    } finally {
      delete process.env.PARAZARR_INLINE_MAX_CHUNKS;
    }
  });
});
