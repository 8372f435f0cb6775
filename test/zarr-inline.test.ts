/**
 * The `inline` option of read and writeRegion: by default ("auto") a small
 * call runs in the caller and a large one on the plan's workers; "never"
 * sends every call to the workers, "always" keeps every call in the caller.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { create, isZarrOptionError, read, sequential, setPlan, writeRegion, type ZarrArray } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { expectRanOn, observed, type ObservedPlan } from "./fixtures/observed-plan.js";
import { makeTempDir, pattern, snapshotStore } from "./fixtures/zarr-helpers.js";

const THREAD = /^thread \d+$/;
const dir = makeTempDir("inline");
// 16 chunks of 256 KiB: 4 MiB in all, well above the 1 MiB the default keeps in the caller.
const values = pattern("float32", 1024 * 1024) as Float32Array;
let array: ZarrArray;
let watched: ObservedPlan;

beforeAll(async () => {
  watched = observed(threads(2));
  await setPlan(watched.plan);
  array = await create(dir.path, "grid", { shape: [1024, 1024], chunks: [256, 256], dtype: "float32", codec: "zstd" });
  await writeRegion(array, null, values);
  watched.reset();
});
afterEach(() => watched.reset());
afterAll(async () => {
  await setPlan(sequential());
  dir.remove();
});

describe("the inline option", () => {
  it('"auto" (the default) reads one chunk in the caller and 4 MiB on the workers', async () => {
    const corner = await read(array, [[0, 256], [0, 256]]);
    expect(watched.runs).toEqual([]);
    expect(corner.data[257]).toBe(values[1024 + 1]);

    const whole = await read(array, null);
    expectRanOn(watched, "readChunks", THREAD);
    expect(whole.data).toEqual(values);
  });

  it('"never" sends a one-chunk read and a one-chunk write to the workers', async () => {
    const corner = await read(array, [[0, 256], [0, 256]], { inline: "never" });
    expectRanOn(watched, "readChunks", THREAD);
    expect(corner.data[257]).toBe(values[1024 + 1]);

    const patch = new Float32Array(4).fill(-1);
    await writeRegion(array, [[0, 2], [0, 2]], patch, { inline: "never" });
    expectRanOn(watched, "writeChunks", THREAD);
    expect((await read(array, [[0, 2], [0, 3]])).data).toEqual(Float32Array.of(-1, -1, values[2]!, -1, -1, values[1024 + 2]!));
    await writeRegion(array, [[0, 2], [0, 2]], Float32Array.of(values[0]!, values[1]!, values[1024]!, values[1025]!)); // as it was
  });

  it('"always" keeps a 4 MiB read and write in the caller on a worker plan', async () => {
    const whole = await read(array, null, { inline: "always" });
    expect(whole.data).toEqual(values);
    await writeRegion(array, null, values, { inline: "always" });
    expect(watched.runs).toEqual([]);
  });

  it("wins over PARAZARR_INLINE_MAX_CHUNKS for the call that gives it", async () => {
    const saved = process.env.PARAZARR_INLINE_MAX_CHUNKS;
    process.env.PARAZARR_INLINE_MAX_CHUNKS = "0"; // every call to the workers...
    try {
      await read(array, [[0, 256], [0, 256]], { inline: "always" }); // ...but this one
      expect(watched.runs).toEqual([]);
      await read(array, [[0, 256], [0, 256]]);
      expectRanOn(watched, "readChunks", THREAD);
    } finally {
      if (saved === undefined) delete process.env.PARAZARR_INLINE_MAX_CHUNKS;
      else process.env.PARAZARR_INLINE_MAX_CHUNKS = saved;
    }
  });

  it("refuses any other value by name, before anything is written", async () => {
    const before = snapshotStore(dir.path);
    const write = await writeRegion(array, null, values, { inline: "sometimes" as never }).catch((e: unknown) => e);
    expect(isZarrOptionError(write)).toBe(true);
    expect(write).toMatchObject({ option: "inline" });
    expect((write as Error).message).toBe('writeRegion: inline must be "auto", "never" or "always", got "sometimes"');
    const readError = await read(array, null, { inline: true as never }).catch((e: unknown) => e);
    expect(isZarrOptionError(readError)).toBe(true);
    expect((readError as Error).message).toBe('read: inline must be "auto", "never" or "always", got true');
    expect(snapshotStore(dir.path)).toEqual(before);
    expect(watched.runs).toEqual([]);
  });
});
