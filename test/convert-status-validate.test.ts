/**
 * status and validate on small archives built as convert builds them: a
 * template made with `create`, each unit written with `writeRegion`, its
 * receipt recorded in the ledger. Then the archive is damaged the ways a
 * user's is (a chunk deleted or corrupted, a stray chunk, a lost record, a
 * failed task) and each report must name what is wrong.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  create, isLedgerError, openStore, sequential, setPlan, status, validate, withPlan, writeRegion, type ConversionManifest, type TaskRecord,
} from "@parazarr/core";
// The ledger's writers and claims are internal to core (convert and writeFromSource use them): imported from its build.
import { taskIdOf, writeFailure, writeManifest, writeTaskRecord } from "../packages/core/dist/convert/ledger.js";
import { threads } from "@parazarr/backend-threads";
import { expectRanOn, observed } from "./fixtures/observed-plan.js";
import { rejection, tempDirs } from "./fixtures/zarr-helpers.js";

const dirs = tempDirs();
afterAll(async () => {
  await setPlan(sequential());
  dirs.removeAll();
});

const writer = { host: "h", pid: 1, startedAt: "2026-01-01T00:00:00.000Z", token: "t" };
const STEPS = 16;
const day = (i: number) => `2020-01-${String(i + 1).padStart(2, "0")}T00:00:00`;

/** 16 daily steps of temp(time, lat, lon) in 4 time chunks, one unit (and one input file) per chunk; `recorded` says which units have records. */
async function conversion(options: { recorded?: number[]; time?: number[] } = {}) {
  const root = dirs.temp("validate");
  const time = await create(root, "time", { shape: [STEPS], chunks: [STEPS], dtype: "float64", zarrFormat: 2, dimensionNames: ["time"], attributes: { units: "days since 2020-01-01" } });
  await writeRegion(time, null, Float64Array.from(options.time ?? Array.from({ length: STEPS }, (_, i) => i)));
  const temp = await create(root, "temp", { shape: [STEPS, 2, 3], chunks: [4, 2, 3], dtype: "float32", zarrFormat: 2, dimensionNames: ["time", "lat", "lon"] });
  const inputs = [0, 1, 2, 3].map((i) => ({
    url: `file:///data/temp-${i}.nc`, format: "netcdf", identity: { size: 1000 + i, mtimeMs: 1700000000000 + i },
    timeRange: [4 * i, 4 * i + 4] as [number, number], first: day(4 * i), last: day(4 * i + 3),
  }));
  const units = inputs.map((_, i) => ({ id: taskIdOf("temp", [[i, i + 1], [0, 1], [0, 1]]), variable: "temp", region: [[4 * i, 4 * i + 4], [0, 2], [0, 3]] as const, sources: [i] }));
  const manifest: ConversionManifest = {
    version: 1, createdAt: "2026-01-01T00:00:00Z", updatedAt: "2026-01-01T00:00:00Z", timeDimension: "time", calendar: "standard", timeUnits: "days since 2020-01-01",
    variables: ["temp"], options: {}, templateSignature: "sha256:0", inputs, units: units.map((u) => ({ ...u, region: u.region.map(([a, b]) => [a, b] as [number, number]) })),
  };
  const store = await openStore({ url: root });
  await writeManifest(store, manifest);
  const records: TaskRecord[] = [];
  for (const [i, unit] of units.entries()) {
    const receipt = await writeRegion(temp, unit.region.map(([a, b]) => [a, b] as [number, number]), Float32Array.from({ length: 24 }, (_, k) => 100 * i + k + 0.5));
    if (!(options.recorded ?? [0, 1, 2, 3]).includes(i)) continue;
    const record: TaskRecord = { id: unit.id, variable: "temp", region: unit.region, chunks: receipt.chunks, emptyChunks: receipt.emptyChunks, sources: [{ url: inputs[i]!.url, identity: inputs[i]!.identity }], finishedAt: "2026-01-01T00:00:01Z", writer };
    await writeTaskRecord(store, record);
    records.push(record);
  }
  return { root, store, manifest, records };
}

const kinds = (report: { problems: Array<{ kind: string }> }) => report.problems.map((p) => p.kind).sort();

describe("a clean archive", () => {
  it("validates with zero problems, every chunk checked, and the report is plain JSON", async () => {
    const { root } = await conversion();
    const seen: Array<{ done: number; total: number }> = [];
    const report = await validate(root, { onProgress: (p) => seen.push(p) });
    expect(report).toEqual({ ok: true, problems: [], checked: { units: 4, records: 4, chunks: 4, bytes: report.checked.bytes, storedChunks: 4, timeSteps: 16, deepUnits: 0 } });
    expect(report.checked.bytes).toBeGreaterThan(0);
    expect(seen.at(-1)).toEqual({ done: 4, total: 4 });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("status: every unit, time step and input done; plain JSON", async () => {
    const { root } = await conversion();
    const s = await status(root);
    expect(s.overall).toMatchObject({ units: 4, done: 4, missing: 0, failed: 0, chunks: 4, inputs: { done: 4, partial: 0, missing: 0, failed: 0 } });
    expect(s.variables).toEqual([expect.objectContaining({ variable: "temp", done: 4, chunks: 4 })]);
    expect(s.timeRanges).toEqual([{ variable: "temp", state: "done", start: 0, stop: 16, first: day(0), last: day(15) }]);
    expect(s.inputs.map((i) => i.state)).toEqual(["done", "done", "done", "done"]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe("validate names what is wrong", () => {
  it("a deleted chunk: missing-chunk, naming its key", async () => {
    const { root, records } = await conversion();
    const key = records[1]!.chunks[0]!.key;
    rmSync(join(root, key));
    const report = await validate(root);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "missing-chunk", chunk: key, variable: "temp" })]);
    expect(report.problems[0]!.message).toContain(key);
  });

  it("a flipped byte in a chunk: checksum-mismatch, naming its key", async () => {
    const { root, records } = await conversion();
    const key = records[2]!.chunks[0]!.key;
    const bytes = readFileSync(join(root, key));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x01;
    writeFileSync(join(root, key), bytes);
    const report = await validate(root);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "checksum-mismatch", chunk: key })]);
    expect(report.problems[0]!.message).toContain(records[2]!.chunks[0]!.checksum!);
  });

  it("a stray chunk no task recorded: unrecorded-chunk; a writer's leftover temporary: stale-temporary", async () => {
    const { root, records } = await conversion();
    const key = records[0]!.chunks[0]!.key;
    writeFileSync(join(root, "temp", "9.0.0"), readFileSync(join(root, key)));
    writeFileSync(join(root, "temp", ".0.0.0.4242-0-0.abc123@somehost.partial"), "half");
    const report = await validate(root);
    // In the order the folder lists them.
    expect([...report.problems].sort((a, b) => a.kind.localeCompare(b.kind))).toEqual([
      expect.objectContaining({ kind: "stale-temporary", chunk: "/temp/.0.0.0.4242-0-0.abc123@somehost.partial" }),
      expect.objectContaining({ kind: "unrecorded-chunk", chunk: "/temp/9.0.0", variable: "temp" }),
    ]);
    expect(report.checked.storedChunks).toBe(5);
  });

  it("a unit without record: uncovered-time naming its steps and file, its stored chunk unrecorded; status shows the gap", async () => {
    const { root } = await conversion({ recorded: [0, 1, 3] });
    const report = await validate(root);
    expect(kinds(report)).toEqual(["uncovered-time", "unrecorded-chunk"]);
    const uncovered = report.problems.find((p) => p.kind === "uncovered-time")!;
    expect(uncovered).toMatchObject({ variable: "temp", file: "file:///data/temp-2.nc" });
    expect(uncovered.message).toContain("time steps 8–11");
    const s = await status(root);
    expect(s.timeRanges.map(({ state, start, stop }) => [state, start, stop])).toEqual([["done", 0, 8], ["missing", 8, 12], ["done", 12, 16]]);
    expect(s.timeRanges[1]).toMatchObject({ first: day(8), last: day(11) });
    expect(s.inputs.map((i) => i.state)).toEqual(["done", "done", "missing", "done"]);
    expect(s.overall).toMatchObject({ done: 3, missing: 1, failed: 0 });
  });

  it("a failed task: failed-task with its error, and status gives the error per input", async () => {
    const { root, store, manifest } = await conversion({ recorded: [0, 2, 3] });
    const unit = manifest.units[1]!;
    await writeFailure(store, { id: unit.id, variable: "temp", region: unit.region, error: { name: "CoordinateNotFoundError", message: "2020-01-06 is not in the archive's time axis" }, attempts: 3, at: "2026-01-01T00:00:02Z", sources: ["file:///data/temp-1.nc"] });
    const report = await validate(root);
    const failed = report.problems.find((p) => p.kind === "failed-task")!;
    expect(failed).toMatchObject({ variable: "temp", file: "file:///data/temp-1.nc" });
    expect(failed.message).toContain("CoordinateNotFoundError: 2020-01-06 is not in the archive's time axis");
    const s = await status(root);
    expect(s.inputs[1]).toMatchObject({ url: "file:///data/temp-1.nc", state: "failed", failed: 1, lastError: { name: "CoordinateNotFoundError", message: "2020-01-06 is not in the archive's time axis", task: unit.id } });
    expect(s.failures).toEqual([expect.objectContaining({ task: unit.id, attempts: 3 })]);
    expect(s.timeRanges.map(({ state, start, stop }) => [state, start, stop])).toEqual([["done", 0, 4], ["failed", 4, 8], ["done", 8, 16]]);
    expect(s.overall).toMatchObject({ done: 3, failed: 1, inputs: { done: 3, failed: 1 } });
  });

  it("a time coordinate that goes back: coordinate-order naming the step", async () => {
    const { root } = await conversion({ time: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 12, 13, 14, 15] });
    const report = await validate(root);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "coordinate-order", variable: "time" })]);
    expect(report.problems[0]!.message).toContain("step 11 is 10 after 10");
  });

  it("a record whose source changed since: source-mismatch naming the file", async () => {
    const { store, root, manifest } = await conversion();
    await writeManifest(store, { ...manifest, inputs: manifest.inputs.map((input, i) => (i === 3 ? { ...input, identity: { size: 5, mtimeMs: 9 } } : input)) });
    const report = await validate(root);
    expect(report.problems).toEqual([expect.objectContaining({ kind: "source-mismatch", file: "file:///data/temp-3.nc" })]);
  });

  it("an archive without manifest: no-manifest; status says so", async () => {
    const root = dirs.temp("no-manifest");
    await create(root, "temp", { shape: [4], chunks: [4], dtype: "float32" });
    expect(await validate(root)).toMatchObject({ ok: false, problems: [{ kind: "no-manifest" }] });
    expect(await status(root)).toMatchObject({ manifest: false, overall: { units: 0 } });
  });

  it("deep: a sample of units goes to the comparer, its differences are problems; a bad sample size is refused", async () => {
    const { root, manifest } = await conversion();
    const asked: string[] = [];
    const report = await validate(root, {
      deep: { sample: 2 },
      compareUnit: async (_archive, _manifest, unit) => (asked.push(unit.id), unit.id === manifest.units[3]!.id ? [{ chunk: "/temp/3.0.0", message: "value 7 differs" }] : []),
    });
    expect(asked).toEqual([manifest.units[0]!.id, manifest.units[3]!.id]);
    expect(report.checked.deepUnits).toBe(2);
    expect(report.problems).toEqual([{ kind: "source-mismatch", variable: "temp", file: "file:///data/temp-3.nc", chunk: "/temp/3.0.0", message: "value 7 differs" }]);
    expect(isLedgerError(await rejection(validate(root, { deep: { sample: 0 } })))).toBe(true);
  });
});

describe("validate on threads(2)", () => {
  it("reads and hashes the chunks on the threads, and finds a corrupted one there", async () => {
    const { root, records } = await conversion();
    const key = records[3]!.chunks[0]!.key;
    renameSync(join(root, key), join(root, `${key}.moved`));
    writeFileSync(join(root, key), "not the chunk");
    const watched = observed(threads(2));
    try {
      const report = await withPlan(watched.plan, () => validate(root));
      expectRanOn(watched, "checkChunkGroup", /^thread \d+$/);
      expect(report.problems.filter((p) => p.kind === "checksum-mismatch")).toEqual([expect.objectContaining({ chunk: key })]);
    } finally {
      await watched.plan.close();
    }
  });
});
