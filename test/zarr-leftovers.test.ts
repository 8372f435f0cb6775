/**
 * Writers killed mid-write leave hidden temporaries (a chunk's bytes
 * before their atomic rename). The next write into the array removes those
 * of dead writers, and `removeStaleTempFiles(url)` removes them on demand;
 * neither touches a temporary that a live writer is still filling.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { create, isStoreSpecError, isZarrOptionError, open, read, removeStaleTempFiles } from "@parazarr/core";
import { makeTempDir } from "./fixtures/zarr-helpers.js";

const WRITER = fileURLToPath(new URL("./fixtures/zarr-kill-writer.mjs", import.meta.url));
const dir = makeTempDir("leftovers");
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  dir.remove();
});

// 16 uncompressed chunks of 8 MiB: each chunk file takes a while to fill.
const SHAPE = [32, 1024, 1024];
const CHUNKS = [8, 512, 512];

function startWriter(seed: number): { child: ChildProcess; progress: () => number; done: Promise<number | null> } {
  const child = spawn(process.execPath, [WRITER, dir.path, "field", String(seed)], { stdio: ["ignore", "pipe", "inherit"] });
  started.push(child);
  let last = 0;
  child.stdout!.on("data", (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/progress (\d+) /g)) last = Number(match[1]);
  });
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, progress: () => last, done };
}

const temporaries = () => readdirSync(join(dir.path, "field")).filter((n) => n.startsWith(".") && n.endsWith(".partial"));

/** Kills writers mid-write until temporaries (other than `except`) are left behind. */
async function killWritersMidWrite(except: readonly string[] = []): Promise<void> {
  const left = () => temporaries().filter((n) => !except.includes(n));
  for (let attempt = 0; attempt < 10 && left().length === 0; attempt++) {
    const writer = startWriter(9);
    // Killed at an instant when one of its temporaries exists: a kill timed
    // by progress alone often fell between two chunk writes on a fast
    // machine and left nothing (10 misses in a row seen on Node 24).
    const owns = () => temporaries().some((n) => n.includes(`.${writer.child.pid}-`));
    while (writer.child.exitCode === null && !(writer.progress() >= 1 && owns())) await sleep(1);
    writer.child.kill("SIGKILL");
    await writer.done;
  }
  expect(left().length).toBeGreaterThan(0);
}

/** Stops a writer (SIGSTOP) at an instant when it owns a temporary; returns that writer, still alive. */
async function stopWriterMidWrite(): Promise<{ child: ChildProcess; done: Promise<number | null>; owned: string[] }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const writer = startWriter(3);
    while (writer.child.exitCode === null && writer.progress() < 1) await sleep(5);
    for (let pause = 0; pause < 200 && writer.child.exitCode === null; pause++) {
      writer.child.kill("SIGSTOP");
      await sleep(20);
      const owned = temporaries().filter((n) => n.includes(`.${writer.child.pid}-`));
      if (owned.length > 0) return { ...writer, owned };
      writer.child.kill("SIGCONT");
      await sleep(5);
    }
    await writer.done;
  }
  throw new Error("never caught a writer with a temporary");
}

it("a rerun after killed writers removes their temporaries; every chunk is whole", async () => {
  await create(dir.path, "field", { shape: SHAPE, chunks: CHUNKS, dtype: "float32", codec: "none", zarrFormat: 2 });
  await killWritersMidWrite();
  const rerun = startWriter(2);
  expect(await rerun.done).toBe(0);
  expect(temporaries()).toEqual([]);
  const data = (await read(await open(dir.path, "field"), [[0, 32], 700, 5])).data as Float32Array;
  expect([...data].every((v) => Math.floor(v / 1000) === 2)).toBe(true);
}, 180_000);

it("removeStaleTempFiles removes what killed writers left and keeps a live writer's temporary", async () => {
  const live = await stopWriterMidWrite();
  try {
    await killWritersMidWrite(live.owned);
    const dead = temporaries().filter((n) => !live.owned.includes(n));
    const result = await removeStaleTempFiles(dir.path);
    // Everything the killed writers left is gone; the stopped (live) writer's temporaries are untouched.
    expect(temporaries().sort()).toEqual(live.owned.sort());
    expect(result.kept).toEqual(live.owned.map((n) => `/field/${n}`).sort());
    expect(result.removed).toEqual(dead.map((n) => `/field/${n}`).sort());
  } finally {
    live.child.kill("SIGCONT");
  }
  // The live writer finishes its write: its temporaries became chunks.
  expect(await live.done).toBe(0);
  expect(temporaries()).toEqual([]);
  expect(await removeStaleTempFiles(dir.path)).toEqual({ removed: [], kept: [] });
}, 180_000);

it("removeStaleTempFiles refuses an olderThan that is not a number of milliseconds, and a store that is not there", async () => {
  const error = await removeStaleTempFiles(dir.path, { olderThan: -1 }).then(() => undefined, (e: unknown) => e);
  expect(isZarrOptionError(error)).toBe(true);
  expect((error as Error).message).toContain("olderThan");
  const missing = await removeStaleTempFiles(join(dir.path, "no-such.zarr")).then(() => undefined, (e: unknown) => e);
  expect(isStoreSpecError(missing)).toBe(true);
  expect((missing as Error).message).toContain("no-such.zarr");
});

it("removeStaleTempFiles with olderThan also removes old temporaries whose writer cannot be checked (another host)", async () => {
  const folder = join(dir.path, "field");
  const foreign = ".0.0.0.4242-1-0.kx3f2a@some-other-host.partial";
  writeFileSync(join(folder, foreign), "half a chunk");
  expect((await removeStaleTempFiles(dir.path)).kept).toEqual([`/field/${foreign}`]);
  expect((await removeStaleTempFiles(dir.path, { olderThan: 60_000 })).kept).toEqual([`/field/${foreign}`]);
  const hourAgo = new Date(Date.now() - 3_600_000);
  utimesSync(join(folder, foreign), hourAgo, hourAgo);
  expect(await removeStaleTempFiles(dir.path, { olderThan: 60_000 })).toEqual({ removed: [`/field/${foreign}`], kept: [] });
  expect(temporaries()).toEqual([]);
});
