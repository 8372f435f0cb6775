/**
 * The conversion workflow's own logic, on sources of a small JSON test
 * format (so every expected value is known): files whose time boundaries
 * cut chunks, time encodings with other epochs, packing copied or
 * re-encoded, resume, refusals before anything is written, failures
 * recorded, independent writers. NetCDF sources and xarray's reading are
 * tested in convert-netcdf.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, utimesSync, writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  convert, createTemplate, open, read, sequential, status, withPlan, writeFromSource, type Plan,
} from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import "./fixtures/json-source.mjs";
import { NX, NY, sstOf, t2mOf, writeJsonCollection, type JsonFile } from "./fixtures/json-collection.js";
import { rejection, snapshotStore, tempDirs } from "./fixtures/zarr-helpers.js";
import { expectRanOn, observed, type ObservedPlan } from "./fixtures/observed-plan.js";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

/** 3 files of 5 days (one in hours since 1990) into 4-day chunks: every chunk boundary but one falls inside a file. */
const FIVE_DAY: JsonFile[] = [{ start: 0, steps: 5 }, { start: 5, steps: 5, hours: true }, { start: 10, steps: 5 }];

async function values(archive: string, name: string): Promise<number[]> {
  const { data } = await read(await open(archive, name), null);
  return Array.from(data as ArrayLike<number>, Number);
}

function expectArchiveHolds(t2m: number[], sst: number[], days: number) {
  expect(t2m).toHaveLength(days * NY * NX);
  let k = 0;
  for (let d = 0; d < days; d++) {
    for (let y = 0; y < NY; y++) {
      for (let x = 0; x < NX; x++, k++) {
        expect(t2m[k]).toBe(Math.fround(t2mOf(d, y, x)));
        const physical = sstOf(d, y, x);
        // Packed values are stored as the files hold them: -32767 is _FillValue.
        expect(sst[k]).toBe(Number.isNaN(physical) ? -32767 : Math.round((physical - 273.15) / 0.01));
      }
    }
  }
}

const plans: Array<[string, () => Plan, RegExp]> = [
  ["sequential()", () => sequential(), /.*/],
  ["threads(2)", () => threads(2), /^thread \d+$/],
  ["processes(2)", () => processes(2), /^pid \d+$/],
];

describe.each(plans)("convert on %s", (name, makePlan, worker) => {
  let watched: ObservedPlan;
  beforeAll(() => {
    watched = observed(makePlan());
  });
  afterAll(async () => watched.plan.close());

  it("files whose boundaries cut chunks land whole, on one time axis across epochs, every chunk written once by one task", async () => {
    const dir = dirs.temp("cut");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    watched.reset();
    const summary = await withPlan(watched.plan, () => convert(files, archive, { chunks: { time: 4 } }));
    if (name !== "sequential()") {
      expectRanOn(watched, "scanSources", worker);
      expectRanOn(watched, "convertUnits", worker);
    }
    expect(summary.timeSteps).toBe(15);
    expect(summary.first).toBe("2020-01-01T00:00:00");
    expect(summary.last).toBe("2020-01-15T00:00:00");
    // 4 time chunks × 2 data variables, one task each (the grid is one chunk).
    expect(summary.tasks).toEqual({ total: 8, written: 8, skipped: 0, failed: 0 });
    expect(await values(archive, "time")).toEqual(Array.from({ length: 15 }, (_, d) => d));
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 15);
    expect(await values(archive, "lat")).toEqual([10, 20, 30]);
    expect(await values(archive, "mask")).toEqual(Array.from({ length: NY * NX }, (_, k) => k % 2));
  });
});

describe("resume", () => {
  it("a rerun skips every recorded task; a changed source redoes exactly the tasks that read it", async () => {
    const dir = dirs.temp("resume");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    await convert(files, archive, { chunks: { time: 4 } });
    const before = snapshotStore(archive);
    const again = await convert(files, archive, { chunks: { time: 4 } });
    expect(again.tasks).toEqual({ total: 8, written: 0, skipped: 8, failed: 0 });
    // The last file changes (same times): chunks 2 (days 8–11) and 3 (12–14) read it, for both variables.
    const doc = JSON.parse(readFileSync(files[2]!, "utf8"));
    doc.variables.t2m.values = doc.variables.t2m.values.map((v: number) => v + 1000);
    writeFileSync(files[2]!, JSON.stringify(doc));
    const third = await convert(files, archive, { chunks: { time: 4 } });
    expect(third.tasks).toEqual({ total: 8, written: 4, skipped: 4, failed: 0 });
    const t2m = await values(archive, "t2m");
    expect(t2m[10 * NY * NX]).toBe(Math.fround(t2mOf(10, 0, 0) + 1000));
    expect(t2m[9 * NY * NX]).toBe(Math.fround(t2mOf(9, 0, 0)));
    // Chunks of the first two time chunks were not rewritten.
    const after = snapshotStore(archive);
    for (const key of ["t2m/0.0.0", "t2m/1.0.0", "sst/0.0.0", "sst/1.0.0"]) expect(after[key]).toBe(before[key]);
  });

  it("refuses a rerun with other chunks, naming the difference, and writes nothing", async () => {
    const dir = dirs.temp("mismatch");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    await convert(files, archive, { chunks: { time: 4 } });
    const before = snapshotStore(archive);
    const error = (await rejection(convert(files, archive, { chunks: { time: 5 } }))) as { _tag: string; message: string; differences: string[] };
    expect(error._tag).toBe("TemplateMismatchError");
    expect(error.differences.some((d) => d.startsWith("t2m:") && d.includes("[4,3,4]") && d.includes("[5,3,4]"))).toBe(true);
    expect(snapshotStore(archive)).toEqual(before);
  });
});

describe("packing", () => {
  it("copies a file packed as the template bit-exactly and re-encodes one packed otherwise, counting clipped values", async () => {
    const dir = dirs.temp("pack");
    // The second file packs with scale 0.02: its integers differ, its physical values agree.
    const files = writeJsonCollection(dir, [{ start: 0, steps: 4 }, { start: 4, steps: 4, scale: 0.02 }]);
    // One value of the second file is out of the template's int16 range once re-encoded (40000 × 0.02 / 0.01 = 80000).
    const doc = JSON.parse(readFileSync(files[1]!, "utf8"));
    doc.variables.sst.values[5] = 30000;
    writeFileSync(files[1]!, JSON.stringify(doc));
    const archive = join(dir, "out.zarr");
    const summary = await convert(files, archive, { chunks: { time: 4 } });
    expect(summary.clipped).toBe(1);
    const sst = await values(archive, "sst");
    const perDay = NY * NX;
    for (let k = 0; k < 4 * perDay; k++) {
      const day = Math.floor(k / perDay);
      const physical = sstOf(day, Math.floor((k % perDay) / NX), k % NX);
      expect(sst[k]).toBe(Number.isNaN(physical) ? -32767 : Math.round((physical - 273.15) / 0.01));
    }
    // Re-encoded: the physical value to within one quantum of the coarser packing; the clipped one at int16's maximum.
    expect(sst[4 * perDay + 5]).toBe(32767);
    const physical = sstOf(4, 0, 0);
    expect(Math.abs(sst[4 * perDay]! * 0.01 + 273.15 - physical)).toBeLessThanOrEqual(0.01);
  });

  it('refuses a differently packed file with repack: "refuse", before anything is written', async () => {
    const dir = dirs.temp("refuse");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 4 }, { start: 4, steps: 4, scale: 0.02 }]);
    const archive = join(dir, "out.zarr");
    const error = (await rejection(convert(files, archive, { chunks: { time: 4 }, repack: "refuse" }))) as { _tag: string; message: string };
    expect(error._tag).toBe("PackingMismatchError");
    expect(error.message).toContain(files[1]!);
    expect(error.message).toContain("scale_factor 0.02");
    expect(existsSync(archive)).toBe(false);
  });
});

describe("refusals before anything is written", () => {
  const cases: Array<[string, JsonFile[], string, RegExp]> = [
    ["a time step in two files", [{ start: 0, steps: 5 }, { start: 4, steps: 5 }], "SourceMismatchError", /2020-01-05T00:00:00 is also in/],
    ["a file on another grid", [{ start: 0, steps: 5 }, { start: 5, steps: 5, latShift: 0.5 }], "CoordinateMismatchError", /lat/],
    ["a file without a data variable", [{ start: 0, steps: 5 }, { start: 5, steps: 5, without: "sst" }], "SourceMismatchError", /has no variable "sst"/],
    ["a file in another calendar", [{ start: 0, steps: 5 }, { start: 5, steps: 5, calendar: "noleap" }], "SourceMismatchError", /noleap/],
    ["a file with unsorted times", [{ start: 0, steps: 5 }, { start: 5, steps: 3, order: [0, 2, 1] }], "CoordinateOrderError", /.+/],
  ];
  it.each(cases)("%s", async (_, spec, tag, message) => {
    const dir = dirs.temp("bad");
    const files = writeJsonCollection(dir, spec);
    const archive = join(dir, "out.zarr");
    const error = (await rejection(convert(files, archive, { chunks: { time: 4 } }))) as { _tag: string; message: string };
    expect(error._tag).toBe(tag);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(files[1]!.split("/").pop());
    expect(existsSync(archive)).toBe(false);
  });

  it("bad options and inputs are tagged errors naming the option", async () => {
    const dir = dirs.temp("opts");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    for (const [options, option] of [
      [{ chunks: { time: 0 } }, "chunks"],
      [{ chunks: { depth: 4 } }, "chunks"],
      [{ zarrFormat: 4 }, "zarrFormat"],
      [{ codec: { name: "zstd", level: 99 } }, "codec"],
      [{ codec: "lzma" }, "codec"],
      [{ variables: ["nope"] }, "variables"],
      [{ retries: -1 }, "retries"],
      [{ colour: "red" }, "colour"],
    ] as const) {
      const error = (await rejection(convert(files, archive, options as never))) as { _tag: string; option: string };
      expect(error._tag).toBe("ConvertOptionError");
      expect(error.option).toBe(option);
    }
    // Refused before the archive path was touched.
    expect(existsSync(archive)).toBe(false);
    expect(((await rejection(convert([], archive))) as { _tag: string })._tag).toBe("ConvertOptionError");
    expect(((await rejection(convert([files[0]!, files[0]!], archive))) as { message: string }).message).toContain("given twice");
  });

  it("refuses an archive path that holds a Zarr hierarchy it did not make", async () => {
    const dir = dirs.temp("foreign");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    const { create } = await import("@parazarr/core");
    await create(archive, "other", { shape: [2], chunks: [2], dtype: "float32", zarrFormat: 2 });
    const error = (await rejection(convert(files, archive))) as { _tag: string; message: string };
    expect(error._tag).toBe("TemplateMismatchError");
    expect(error.message).toContain("no parazarr template made");
  });
});

describe("failures", () => {
  it("a source that changes after the scan fails its tasks, which are recorded; the rest is written; a rerun finishes", async () => {
    const dir = dirs.temp("fail");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 4 }, { start: 4, steps: 4 }]);
    const archive = join(dir, "out.zarr");
    let touched = false;
    const error = (await rejection(
      convert(files, archive, {
        chunks: { time: 4 },
        retries: 0,
        onProgress: (p) => {
          if (p.phase === "write" && !touched) {
            touched = true;
            // A new mtime: the file is not the one the scan saw.
            utimesSync(files[1]!, new Date(), new Date(Date.now() + 5000));
          }
        },
      }),
    )) as { _tag: string; failures: Array<{ task: string; files: string[] }> };
    expect(error._tag).toBe("ConvertFailedError");
    expect(error.failures.length).toBeGreaterThan(0);
    expect(error.failures.every((f) => f.files.some((u) => u.endsWith("part-001.json")))).toBe(true);
    // status names the failed file with the error that failed it.
    const before = await status(archive);
    const failedInput = before.inputs.find((i) => i.url.endsWith("part-001.json"))!;
    expect(failedInput.state).toBe("failed");
    expect(JSON.stringify(failedInput)).toContain("changed since the conversion was planned");
    const again = await convert(files, archive, { chunks: { time: 4 } });
    expect(again.tasks.failed).toBe(0);
    expect(again.tasks.written).toBe(error.failures.length);
    expect((await status(archive)).inputs.every((i) => i.state === "done")).toBe(true);
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 8);
  });
});

describe("independent writers", () => {
  it("disjoint aligned regions both land; a region that cuts chunks is refused before anything is written", async () => {
    const dir = dirs.temp("indep");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 4 }, { start: 4, steps: 4 }, { start: 8, steps: 3 }]);
    const archive = join(dir, "out.zarr");
    await createTemplate(files[0]!, archive, { time: { start: "2020-01-01", end: "2020-01-11", freq: "1D" }, chunks: { time: 4 } });
    await Promise.all([writeFromSource(files[0]!, archive), writeFromSource(files[1]!, archive), writeFromSource(files[2]!, archive)]);
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 11);

    const cut = writeJsonCollection(dirs.temp("cut"), [{ start: 2, steps: 4 }]);
    const before = snapshotStore(archive);
    const error = (await rejection(writeFromSource(cut[0]!, archive))) as { _tag: string };
    expect(error._tag).toBe("ChunkAlignmentError");
    expect(snapshotStore(archive)).toEqual(before);
  });

  it("a region that overlaps a live writer's claim is refused before anything is written, naming the other writer", async () => {
    const dir = dirs.temp("overlap");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 8 }]);
    const other = writeJsonCollection(dirs.temp("overlap-b"), [{ start: 4, steps: 4 }]);
    // Other values than the first file's for the same days, so a write of the second would show.
    const doc = JSON.parse(readFileSync(other[0]!, "utf8"));
    doc.variables.t2m.values = doc.variables.t2m.values.map((v: number) => v + 1000);
    writeFileSync(other[0]!, JSON.stringify(doc));
    const archive = join(dir, "out.zarr");
    await createTemplate(files[0]!, archive, { time: { start: "2020-01-01", end: "2020-01-08", freq: "1D" }, chunks: { time: 4 } });
    let second: Promise<unknown> | undefined;
    let before: Record<string, string> = {};
    await writeFromSource(files[0]!, archive, {
      onProgress: () => {
        // The first writer holds its claims until it returns: start the second now.
        if (second === undefined) {
          before = snapshotStore(archive);
          second = rejection(writeFromSource(other[0]!, archive));
        }
      },
    });
    const error = (await second) as { _tag: string; message: string };
    expect(error._tag).toBe("RegionClaimedError");
    expect(error.message).toContain(`pid ${process.pid}`);
    // Nothing of the second writer's data was written: days 4–7 hold the first file's values.
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 8);
    expect(Object.keys(before).some((k) => k.startsWith(".parazarr/claims/"))).toBe(true);
  });
});

describe("misuse", () => {
  it("a second convert of the same archive while one runs is refused, naming the first; the first is unharmed", async () => {
    const dir = dirs.temp("twice");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    let second: Promise<unknown> | undefined;
    const summary = await convert(files, archive, {
      chunks: { time: 4 },
      onProgress: (p) => {
        if (p.phase === "write" && second === undefined) second = rejection(convert(files, archive, { chunks: { time: 4 } }));
      },
    });
    const error = (await second) as { _tag: string; message: string };
    expect(error._tag).toBe("RegionClaimedError");
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(summary.tasks.failed).toBe(0);
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 15);
  });

  it("an abort mid-run rejects with AbortError, leaves whole chunks and its claim released; a rerun finishes the job", async () => {
    const dir = dirs.temp("abort");
    const files = writeJsonCollection(dir, FIVE_DAY);
    const archive = join(dir, "out.zarr");
    const controller = new AbortController();
    const error = (await rejection(
      convert(files, archive, { chunks: { time: 4 }, signal: controller.signal, onProgress: (p) => p.phase === "write" && p.done >= 2 && controller.abort() }),
    )) as { _tag: string };
    expect(error._tag).toBe("AbortError");
    expect(Object.keys(snapshotStore(archive)).filter((k) => k.startsWith(".parazarr/claims/") && k.endsWith(".json"))).toEqual([]);
    const again = await convert(files, archive, { chunks: { time: 4 } });
    expect(again.tasks.skipped).toBeGreaterThanOrEqual(2);
    expect(again.tasks.written + again.tasks.skipped).toBe(8);
    expectArchiveHolds(await values(archive, "t2m"), await values(archive, "sst"), 15);
  });

  it("a file with no time steps is planned for nothing and converts with the rest", async () => {
    const dir = dirs.temp("empty");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 5 }, { start: 5, steps: 0 }, { start: 5, steps: 5 }]);
    const summary = await convert(files, join(dir, "out.zarr"), { chunks: { time: 5 } });
    expect(summary.timeSteps).toBe(10);
    expect(summary.files).toBe(3);
    expectArchiveHolds(await values(join(dir, "out.zarr"), "t2m"), await values(join(dir, "out.zarr"), "sst"), 10);
  });

  it("two thousand files: scanned, planned and converted, with one task per variable and time chunk", async () => {
    const dir = dirs.temp("many");
    const files = writeJsonCollection(dir, Array.from({ length: 2000 }, (_, i) => ({ start: i, steps: 1 })));
    const summary = await withPlan(threads(2), async () => {
      try {
        return await convert(files, join(dir, "out.zarr"), { chunks: { time: 100 } });
      } finally {
        await (await import("@parazarr/core")).getPlan().close();
      }
    });
    expect(summary.timeSteps).toBe(2000);
    expect(summary.tasks).toEqual({ total: 40, written: 40, skipped: 0, failed: 0 });
    const t2m = await values(join(dir, "out.zarr"), "t2m");
    expect(t2m[1999 * NY * NX + 5]).toBe(Math.fround(t2mOf(1999, 1, 1)));
  }, 120_000);
});

describe("time bounds", () => {
  it("a CF bounds variable of time is re-encoded from each file's units to the archive's", async () => {
    const dir = dirs.temp("bounds");
    const files = writeJsonCollection(dir, [{ start: 0, steps: 3, bounds: true }, { start: 3, steps: 3, bounds: true, hours: true }]);
    const archive = join(dir, "out.zarr");
    await convert(files, archive, { chunks: { time: 2 } });
    // The archive's time units are the first file's: days since 2020-01-01.
    expect(await values(archive, "time_bnds")).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect((await open(archive, "time")).attributes).toMatchObject({ units: "days since 2020-01-01", bounds: "time_bnds" });
  });
});

