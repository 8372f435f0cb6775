/**
 * Chunk reads and writes retry transient store errors by default: one
 * throttled or dropped request must not fail a whole read or write, whether
 * it ran on the plan's workers or inline in the caller.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, isTaskError, isTransient, open, read, sequential, setPlan, writeRegion, type TaskError } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { startHttpServer } from "./fixtures/http-server.mjs";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";

let root: string;
const written = Float32Array.from({ length: 32 * 32 }, (_, i) => Math.sin(i / 10));

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "parazarr-retries-"));
  const rain = await create(join(root, "served.zarr"), "rain", { shape: [32, 32], chunks: [8, 8], dtype: "float32" });
  await writeRegion(rain, null, written);
});

afterAll(async () => {
  await setPlan(sequential());
  await rm(root, { recursive: true, force: true });
});

/** A static host that answers 503 to the first request for every chunk, then serves it. */
async function flakyHost() {
  const failed = new Set<string>();
  return startHttpServer(root, {
    intercept: (path: string) => {
      if (!/\/c\//.test(path) || failed.has(path)) return undefined;
      failed.add(path);
      return { status: 503 };
    },
  });
}

// `worker`: who runs a whole read's chunk tasks; null when the plan runs them in the caller.
describe.each([
  { name: "threads(2)", makePlan: () => threads(2), worker: /^thread \d+$/ },
  { name: "sequential() (inline in the caller)", makePlan: () => sequential(), worker: null },
])("on $name", ({ makePlan, worker }) => {
  it("a read retries chunks that failed with a transient 503, and returns exact data", async () => {
    const web = await flakyHost();
    try {
      const watched = observed(makePlan());
      await setPlan(watched.plan);
      const remote = await open(`${web.url}/served.zarr`, "rain");
      // 16 KB of chunks: inline: "never" sends them to the plan's workers anyway.
      const { data } = await read(remote, null, { inline: "never" });
      expect(data).toEqual(written);
      if (worker) expectRanOn(watched, "readChunks", worker);
      else expect(watched.runs).toEqual([]);
      // A one-chunk read runs inline on every plan by default: it retries too.
      watched.reset();
      const { data: corner } = await read(remote, [[0, 8], [0, 8]]);
      expect(corner[9]).toBe(written[32 + 1]);
      expect(watched.runs).toEqual([]);
    } finally {
      await web.stop();
    }
  });

  it("with retries: 0, the transient error reaches the caller as a TaskError", async () => {
    const web = await flakyHost();
    try {
      await setPlan(makePlan());
      const remote = await open(`${web.url}/served.zarr`, "rain");
      const error = (await read(remote, null, { retries: 0, inline: "never" }).catch((e: unknown) => e)) as TaskError;
      expect(isTaskError(error)).toBe(true);
      expect(error.worker).toMatch(worker ?? /^main \(inline\)$/);
      expect(isTransient(error.cause)).toBe(true);
      expect(String((error.cause as Error).message)).toContain("503");
    } finally {
      await web.stop();
    }
  });
});

describe("the retries option", () => {
  it("is refused by name when it is not a whole number ≥ 0, before anything is written", async () => {
    const array = await open(join(root, "served.zarr"), "rain");
    await expect(writeRegion(array, null, written, { retries: -2 })).rejects.toThrow(/retries must be a whole number ≥ 0, got -2/);
    await expect(read(array, null, { retries: 1.5 })).rejects.toThrow(/retries must be a whole number ≥ 0, got 1.5/);
  });
});
