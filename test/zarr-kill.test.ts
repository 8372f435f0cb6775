/**
 * A writer killed with SIGKILL in the middle of a large writeRegion leaves
 * no torn chunk: every chunk holds either the previous write or the new
 * one, whole. Rerunning the write completes the array.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as tick } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { create, read, sequential, setPlan } from "@parazarr/core";
import { makeTempDir } from "./fixtures/zarr-helpers.js";

const WRITER = fileURLToPath(new URL("./fixtures/zarr-kill-writer.mjs", import.meta.url));
const dir = makeTempDir("kill");
afterAll(async () => {
  await setPlan(sequential());
  dir.remove();
});

// Big uncompressed chunks, so a chunk file takes many write() calls to fill.
const SHAPE = [32, 1024, 1024];
const CHUNKS = [8, 512, 512];
const CHUNK_BYTES = 8 * 512 * 512 * 4;

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  progress: () => number;
}

function startWriter(seed: number): Run {
  const child = spawn(process.execPath, [WRITER, dir.path, "field", String(seed)], { stdio: ["ignore", "pipe", "inherit"] });
  let last = 0;
  child.stdout!.on("data", (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/progress (\d+) /g)) last = Number(match[1]);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  return { child, done, progress: () => last };
}

/** True while some file of the array (a chunk or a hidden temporary) is being filled. */
function aWriteIsUnderway(): boolean {
  const folder = join(dir.path, "field");
  for (const name of readdirSync(folder)) {
    if (name.startsWith(".z")) continue; // metadata
    try {
      if (statSync(join(folder, name)).size < CHUNK_BYTES) return true;
    } catch {
      // renamed away between readdir and stat: that write just finished
    }
  }
  return false;
}

/** Which write each chunk holds: "1", "2", or a mix (torn). */
function chunkVersions(data: Float32Array): Set<string> {
  const versions = new Set<string>();
  const [nz, ny, nx] = SHAPE as [number, number, number];
  const [cz, cy, cx] = CHUNKS as [number, number, number];
  for (let z0 = 0; z0 < nz; z0 += cz)
    for (let y0 = 0; y0 < ny; y0 += cy)
      for (let x0 = 0; x0 < nx; x0 += cx) {
        const seen = new Set<number>();
        for (let z = z0; z < z0 + cz; z++)
          for (let y = y0; y < y0 + cy; y++)
            for (let x = x0; x < x0 + cx; x++) seen.add(Math.floor(data[(z * ny + y) * nx + x]! / 1000));
        versions.add([...seen].sort().join("+"));
      }
  return versions;
}

it("a writer killed with SIGKILL mid-write leaves every chunk whole; a rerun completes the array", async () => {
  const array = await create(dir.path, "field", { shape: SHAPE, chunks: CHUNKS, dtype: "float32", codec: "none", zarrFormat: 2 });
  const first = startWriter(1);
  expect((await first.done).code).toBe(0);

  // Kill the second writer at an instant when a chunk file is half filled
  // (a store writing in place would leave exactly that file torn).
  // On a loaded machine the writer may finish before the poll catches a
  // half-filled file: then the first write is redone and the kill tried
  // again, a bounded number of times.
  let second = startWriter(2);
  for (let attempt = 1; ; attempt++) {
    while (second.child.exitCode === null && !(second.progress() >= 2 && aWriteIsUnderway())) await tick();
    second.child.kill("SIGKILL");
    if ((await second.done).signal === "SIGKILL" || attempt === 5) break;
    expect((await startWriter(1).done).code).toBe(0);
    second = startWriter(2);
  }
  const killed = await second.done;
  expect(killed.signal).toBe("SIGKILL");
  expect(second.progress()).toBeLessThan(16);

  // Every chunk decodes and holds one write only (a torn chunk is short: its tail reads as 0, or it fails to decode).
  const afterKill = (await read(array)).data as Float32Array;
  const versions = chunkVersions(afterKill);
  expect([...versions].every((v) => v === "1" || v === "2")).toBe(true);
  expect(versions.has("2")).toBe(true);

  const rerun = startWriter(2);
  expect((await rerun.done).code).toBe(0);
  const completed = (await read(array)).data as Float32Array;
  expect(chunkVersions(completed)).toEqual(new Set(["2"]));
  expect(completed[123_457]).toBeCloseTo(2000 + (123_457 % 997) / 7, 3);
  // All 16 chunk files are whole; only hidden temporaries of the killed writer may remain.
  const chunkFiles = readdirSync(join(dir.path, "field")).filter((n) => !n.startsWith("."));
  expect(chunkFiles.length).toBe(16);
  for (const name of chunkFiles) expect(statSync(join(dir.path, "field", name)).size).toBe(CHUNK_BYTES);
}, 120_000);
