// The conversion benchmark of issue 11: 365 daily NETCDF4 files (float32 t2m and
// packed int16 sst on a 0.25° grid, 721 × 1440, zlib level 4, written by netCDF-C
// through python3-netcdf4) into one Zarr archive, by
//   xarray    open_mfdataset(files, parallel=True).to_zarr(out), dask threaded scheduler, 2 workers
//   parazarr  convert(netcdf(files), out, { chunks }) on threads(2)
// each in a child process of its own, interleaved, with the same output chunks.
// Goal: parazarr ≥ 1.5× xarray's throughput, with a peak RSS below xarray's.
//
//   npm run build && node bench/convert.mjs [--days 365] [--rounds 1] [--only xarray|parazarr] [--dir DIR] [--keep]
//
// Measured per side: throughput (input MB decoded — what the variables hold
// unpacked-as-stored, time × lat × lon × (4 + 2) bytes — per second of wall time,
// process start to exit), peak RSS (VmHWM of the child, polled from
// /proc/<pid>/status and reported by the child at its end: piscina's and dask's
// threads are inside it), and time to first chunk (a data chunk file appearing
// under the output directory). The inputs are made once and cached under DIR
// (default: the system temp directory), keyed by their size; they are read once
// before timing so neither side pays for a cold page cache.
// Each side's output is then compared with open_mfdataset on a sample of time
// steps by test/fixtures/compare-mfdataset.py (the harness of test/convert-harness.test.ts).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const SELF = fileURLToPath(import.meta.url);
const PYTHON = "/usr/bin/python3";
const COLLECTION_SCRIPT = fileURLToPath(new URL("../test/fixtures/netcdf-collection.py", import.meta.url));
const COMPARE_SCRIPT = fileURLToPath(new URL("../test/fixtures/compare-mfdataset.py", import.meta.url));
const XARRAY_SCRIPT = fileURLToPath(new URL("./convert.py", import.meta.url));
const GRID = { nlat: 721, nlon: 1440 };
/** 8 days by a quarter of the globe: 8.3 MB float32 chunks, 4 tiles per time chunk. */
const CHUNKS = { time: 8, lat: 361, lon: 720 };
const DATA_VARIABLES = ["t2m", "sst"];
const BYTES_PER_STEP = GRID.nlat * GRID.nlon * (4 + 2);

if (process.argv[2] === "--child-parazarr") await childParazarr(process.argv[3], process.argv[4]);
else await main(parseArgs(process.argv.slice(2)));

function parseArgs(argv) {
  const o = { days: 365, rounds: 1, only: undefined, dir: join(tmpdir(), "parazarr-bench-convert"), keep: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--keep") o.keep = true;
    else if (flag === "--days" || flag === "--rounds") o[flag.slice(2)] = Number(argv[++i]);
    else if (flag === "--only") o.only = argv[++i];
    else if (flag === "--dir") o.dir = resolve(argv[++i]);
    else throw new TypeError(`bench/convert.mjs: unknown option ${flag}; allowed: --days N --rounds N --only xarray|parazarr --dir DIR --keep`);
  }
  for (const key of ["days", "rounds"]) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new TypeError(`bench/convert.mjs: --${key} must be a positive integer, got ${o[key]}`);
  }
  if (o.only !== undefined && !["xarray", "parazarr"].includes(o.only)) throw new TypeError(`bench/convert.mjs: --only must be xarray or parazarr, got ${o.only}`);
  return o;
}

async function main(o) {
  const files = await ensureCollection(o.dir, o.days);
  const inputMB = (o.days * BYTES_PER_STEP) / 1e6;
  console.log(`inputs: ${files.length} daily NETCDF4 files, t2m float32 + sst int16 on ${GRID.nlat}×${GRID.nlon}, zlib 4 — ${inputMB.toFixed(0)} MB decoded; chunks ${JSON.stringify(CHUNKS)}`);
  await warmPageCache(files);
  const filesJson = join(o.dir, `files-${o.days}.json`);
  await writeFile(filesJson, JSON.stringify(files));
  const sides = { xarray: xarraySide(filesJson), parazarr: parazarrSide(filesJson) };
  const names = o.only ? [o.only] : ["xarray", "parazarr"];
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < o.rounds; round++) {
    // Interleaved, the order swapped every round: drift in the machine's load hits both.
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const out = join(o.dir, `out-${name}.zarr`);
      await rm(out, { recursive: true, force: true });
      const r = await measure(name, sides[name], out);
      results[name].push(r);
      console.log(`  round ${round + 1} ${name.padEnd(8)} ${describe(r, inputMB)}`);
    }
  }
  const summary = summarize(results, inputMB);
  summary.verification = {};
  for (const name of names) {
    if (results[name].at(-1)?.ok) summary.verification[name] = await verify(name, join(o.dir, `out-${name}.zarr`), files, o.days);
  }
  if (!o.keep) for (const name of names) await rm(join(o.dir, `out-${name}.zarr`), { recursive: true, force: true });
  console.log(JSON.stringify(summary));
}

// ---- the inputs ------------------------------------------------------------------------------

/** Makes (or reuses) the collection; written by two python processes, half the files each. */
async function ensureCollection(dir, days) {
  const where = join(dir, `era-${days}d-${GRID.nlat}x${GRID.nlon}-zlib4`);
  const listing = join(where, "collection.json");
  if (existsSync(listing)) {
    const files = JSON.parse(await readFile(listing, "utf8"));
    if (files.length === days && files.every((f) => existsSync(f))) return files;
  }
  await rm(where, { recursive: true, force: true });
  await mkdir(where, { recursive: true });
  console.log(`making ${days} daily files under ${where} (once; cached for the next runs)…`);
  const options = {
    files: days, period: { days: 1 }, stepHours: 24, ...GRID, latPoles: true, latDescending: true,
    formats: ["NETCDF4"], timeUnits: ["days since 2020-01-01"], timeDtypes: ["f8"], zlib: 4, prefix: "era",
  };
  const half = Math.ceil(days / 2);
  const parts = await Promise.all([[0, half], [half, days]].map((only) => runForJson(PYTHON, [COLLECTION_SCRIPT, where, JSON.stringify({ ...options, only })])));
  const files = parts.flatMap((p) => p.files.map((f) => f.path)).sort();
  await writeFile(listing, JSON.stringify(files));
  return files;
}

async function warmPageCache(files) {
  for (const f of files) await readFile(f);
}

// ---- the two sides ---------------------------------------------------------------------------

function xarraySide(filesJson) {
  return (out) => [PYTHON, [XARRAY_SCRIPT, filesJson, out, JSON.stringify(CHUNKS)]];
}

function parazarrSide(filesJson) {
  return (out) => [process.execPath, [SELF, "--child-parazarr", filesJson, out]];
}

/** The parazarr side, in a child process of its own (so its RSS is its own). */
async function childParazarr(filesJson, out) {
  const files = JSON.parse(readFileSync(filesJson, "utf8"));
  const { convert, sequential, setPlan } = await import("@parazarr/core");
  const { netcdf } = await import("@parazarr/netcdf");
  const { threads } = await import("@parazarr/backend-threads");
  await setPlan(threads(2));
  const start = performance.now();
  let events = 0;
  await convert(netcdf(files), pathToFileURL(out).href, { chunks: CHUNKS, onProgress: () => events++ });
  const seconds = (performance.now() - start) / 1000;
  await setPlan(sequential());
  console.log(JSON.stringify({ seconds, vmhwmKiB: vmhwmKiB(process.pid), progressEvents: events }));
}

// ---- measuring -------------------------------------------------------------------------------

/** Runs one side in a child process; polls its VmHWM and the output for the first chunk. */
function measure(name, side, out) {
  const [command, args] = side(out);
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
    let stdout = "";
    let stderr = "";
    let peakKiB = 0;
    let firstChunkSeconds;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    const poll = setInterval(() => {
      peakKiB = Math.max(peakKiB, vmhwmKiB(child.pid));
      if (firstChunkSeconds === undefined && hasDataChunk(out)) firstChunkSeconds = (performance.now() - started) / 1000;
    }, 100);
    child.on("exit", (code, signal) => {
      clearInterval(poll);
      const seconds = (performance.now() - started) / 1000;
      const report = lastJsonLine(stdout);
      if (firstChunkSeconds === undefined && hasDataChunk(out)) firstChunkSeconds = seconds;
      const ok = code === 0 && report !== undefined;
      done({
        name, ok, seconds, firstChunkSeconds, childSeconds: report?.seconds,
        peakMB: Math.max(peakKiB, report?.vmhwmKiB ?? 0) / 1024, compressor: report?.compressor, openAttempts: report?.openAttempts,
        error: ok ? undefined : `exit ${code ?? signal}: ${errorLine(stderr)}`,
      });
    });
  });
}

function vmhwmKiB(pid) {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmHWM:"));
    return line ? Number(line.split(/\s+/)[1]) : 0;
  } catch {
    return 0;   // the process has exited between two polls
  }
}

/** A data chunk is any file under t2m/ or sst/ but metadata and hidden temporaries (`.x.partial`). */
function hasDataChunk(out) {
  return DATA_VARIABLES.some((variable) => {
    const dir = join(out, variable);
    if (!existsSync(dir)) return false;
    try {
      return readdirSync(dir, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && !e.name.startsWith(".") && e.name !== "zarr.json");
    } catch {
      return false;   // renamed or removed while listing
    }
  });
}

/** The line of a child's stderr that names its error (Node prints the source line and a caret first). */
function errorLine(stderr) {
  const lines = stderr.trim().split("\n");
  if (lines.some((l) => l.startsWith("Traceback"))) return lines.at(-1);   // python names its error last
  return lines.find((l) => /^\w*Error\b|^\w+Error \[|Traceback|^\w+: /.test(l.trim())) ?? lines.slice(-3).join(" | ");
}

function lastJsonLine(text) {
  const line = text.trim().split("\n").at(-1);
  try {
    return line ? JSON.parse(line) : undefined;
  } catch {
    return undefined;
  }
}

function describe(r, inputMB) {
  if (!r.ok) return `FAILED (${r.error})`;
  return `${(inputMB / r.seconds).toFixed(1)} MB/s (${r.seconds.toFixed(1)} s), peak RSS ${r.peakMB.toFixed(0)} MB, first chunk ${r.firstChunkSeconds?.toFixed(1) ?? "?"} s${r.openAttempts > 1 ? ` (open_mfdataset needed ${r.openAttempts} attempts)` : ""}`;
}

/** Best time and highest RSS of each side, and the ratios the issue's goal is stated in. */
function summarize(results, inputMB) {
  const best = (rs) => {
    const ok = rs.filter((r) => r.ok);
    if (ok.length === 0) return undefined;
    const fastest = ok.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return { MBps: inputMB / fastest.seconds, seconds: fastest.seconds, peakMB: Math.max(...ok.map((r) => r.peakMB)), firstChunkSeconds: Math.min(...ok.map((r) => r.firstChunkSeconds ?? Infinity)), compressor: fastest.compressor };
  };
  const x = results.xarray && best(results.xarray);
  const p = results.parazarr && best(results.parazarr);
  const summary = { inputMB, xarray: x, parazarr: p };
  if (x && p) {
    summary.throughputRatio = p.MBps / x.MBps;
    summary.rssRatio = p.peakMB / x.peakMB;
    summary.firstChunkRatio = p.firstChunkSeconds / x.firstChunkSeconds;
    console.log(
      `parazarr / xarray: throughput ${summary.throughputRatio.toFixed(2)}× (goal ≥ 1.5×, ${summary.throughputRatio >= 1.5 ? "met" : "not met"}), ` +
        `peak RSS ${p.peakMB.toFixed(0)} vs ${x.peakMB.toFixed(0)} MB (${summary.rssRatio.toFixed(2)}×, goal < 1, ${summary.rssRatio < 1 ? "met" : "not met"}), ` +
        `first chunk ${p.firstChunkSeconds.toFixed(1)} vs ${x.firstChunkSeconds.toFixed(1)} s`,
    );
  }
  return summary;
}

/** Each side's archive against open_mfdataset, on the first, a middle and the last time chunk. */
async function verify(name, archive, files, days) {
  const slices = [...new Map([0, Math.floor(days / 2 / CHUNKS.time), Math.floor((days - 1) / CHUNKS.time)].map((c) => [c, [c * CHUNKS.time, Math.min((c + 1) * CHUNKS.time, days)]])).values()];
  const reports = [];
  for (const timeSlice of slices) {
    const report = await runForJson(PYTHON, [COMPARE_SCRIPT, "compare", archive, JSON.stringify({ inputs: files, timeSlice, block: 4 })]);
    reports.push({ timeSlice, equal: report.equal, differences: report.differences.slice(0, 5) });
  }
  const equal = reports.every((r) => r.equal);
  console.log(`verification of ${name}'s archive (compare-mfdataset on time steps ${slices.map((s) => s.join("–")).join(", ")}): ${equal ? "equal" : "NOT EQUAL"}`);
  for (const r of reports) for (const d of r.differences) console.log(`  ${d.message}`);
  return { equal, reports };
}

function runForJson(command, args) {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => (code === 0 ? done(JSON.parse(stdout)) : fail(new Error(`${args[0]} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`))));
  });
}
