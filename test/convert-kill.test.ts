/**
 * Killing a conversion at any moment and running it again gives the same
 * archive as an uninterrupted run: byte for byte in every chunk and every
 * metadata document. The conversion runs in a child process, killed with
 * SIGKILL at random moments (seeded), some of them several times in a row
 * on one archive, then finished by a rerun.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonCollection, type JsonFile } from "./fixtures/json-collection.js";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { snapshotStore, tempDirs } from "./fixtures/zarr-helpers.js";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const CHILD = fileURLToPath(new URL("./fixtures/convert-child.mjs", import.meta.url));
const FORMAT = new URL("./fixtures/json-source.mjs", import.meta.url).href;
const OPTIONS = { chunks: { time: 3, lat: 2 } };
// 40 days in files of 7 (boundaries inside chunks of 3), one file in other units.
const FILES: JsonFile[] = Array.from({ length: 6 }, (_, i) => ({ start: i * 7, steps: i === 5 ? 5 : 7, hours: i === 2 }));

/** The archive as readers see it: data and metadata, not the ledger (whose records carry times and pids). */
function archiveBytes(archive: string): Record<string, string> {
  return Object.fromEntries(Object.entries(snapshotStore(archive)).filter(([key]) => !key.startsWith(".parazarr/")));
}

type Kill = { afterMs: number } | { afterTask: number };

/** Runs the child; kills it `afterMs` after its start or as soon as it reports task number `afterTask`. Resolves how it ended. */
function runChild(files: string[], archive: string, plan: string, kill?: Kill, formatModule = FORMAT): Promise<{ killed: boolean; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify({ formatModule, files, archive, plan, options: OPTIONS })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let errors = "";
    child.stdout.on("data", (d) => {
      output += d;
      if (kill !== undefined && "afterTask" in kill && new RegExp(`^task ${kill.afterTask}/`, "m").test(output)) child.kill("SIGKILL");
    });
    child.stderr.on("data", (d) => (errors += d));
    const timer = kill !== undefined && "afterMs" in kill ? setTimeout(() => child.kill("SIGKILL"), kill.afterMs) : undefined;
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal === "SIGKILL") resolve({ killed: true, output });
      else if (code === 0) resolve({ killed: false, output });
      else reject(new Error(`the conversion child exited with ${code}: ${errors}`));
    });
  });
}

/** A seeded sequence in [0, 1): the kill times are random but the same on every run of the test. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

interface Case {
  readonly plan: string;
  readonly format: string;
  readonly formatModule: string;
  readonly files: (dir: string) => Promise<string[]>;
}

const cases: Case[] = [
  { plan: "sequential", format: "JSON test", formatModule: FORMAT, files: async (dir) => writeJsonCollection(dir, FILES) },
  { plan: "processes", format: "JSON test", formatModule: FORMAT, files: async (dir) => writeJsonCollection(dir, FILES) },
  {
    plan: "processes",
    format: "NetCDF (NETCDF4 and classic)",
    formatModule: "@parazarr/netcdf",
    files: async (dir) =>
      (await makeCollection(dir, { files: 6, period: { days: 7 }, nlat: 8, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"], timeUnits: ["days since 2020-01-01", "hours since 1990-01-01"] })).map((f) => f.path),
  },
];

describe.each(cases)("a conversion of $format files killed at random moments on $plan, then run again", ({ plan, formatModule, files: makeFiles }) => {
  it("ends with the same archive as an uninterrupted run", async () => {
    const dir = dirs.temp(`kill-${plan}`);
    const files = await makeFiles(dir);
    const reference = join(dir, "reference.zarr");
    const started = Date.now();
    const full = await runChild(files, reference, plan, undefined, formatModule);
    const fullMs = Date.now() - started;
    expect(full.output).toContain("done");
    const expected = archiveBytes(reference);
    const tasks = Number(/task \d+\/(\d+)/.exec(full.output)?.[1]);
    expect(tasks).toBeGreaterThan(10);
    expect(Object.keys(expected).filter((k) => /^t2m\/\d/.test(k)).length).toBeGreaterThan(10);

    const random = seeded(plan === "sequential" ? 7 : formatModule === FORMAT ? 11 : 13);
    let killedMidWrite = 0;
    for (let round = 0; round < 4; round++) {
      const archive = join(dir, `round-${round}.zarr`);
      // One to three kills in a row on the same archive.
      const kills = 1 + Math.floor(random() * 3);
      for (let k = 0; k < kills; k++) {
        // Half the kills at a random moment (start-up, scan, template, tasks, the end), half right after a random task.
        const kill: Kill = random() < 0.5 ? { afterMs: Math.floor(random() * fullMs) } : { afterTask: 1 + Math.floor(random() * (tasks - 1)) };
        const result = await runChild(files, archive, plan, kill, formatModule);
        if (result.killed && /^task \d+/m.test(result.output) && !result.output.includes("done")) killedMidWrite++;
      }
      const last = await runChild(files, archive, plan, undefined, formatModule);
      expect(last.output).toContain("done");
      const got = archiveBytes(archive);
      // Names first (a diff of two lists of keys reads better than one of two maps), then bytes.
      expect(Object.keys(got)).toEqual(Object.keys(expected));
      expect(got).toEqual(expected);
    }
    // The kills did land while tasks were writing, not only before or after.
    expect(killedMidWrite).toBeGreaterThan(0);
    // And nothing is left to do.
    const again = await runChild(files, join(dir, "round-0.zarr"), plan, undefined, formatModule);
    expect(again.output).toContain(`done {"total":${tasks},"written":0,"skipped":${tasks},"failed":0}`);
  }, 300_000);
});
