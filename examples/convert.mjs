// The conversion demo: NetCDF files into one Zarr archive on worker threads,
// with Node.js alone.
//
//   node examples/convert.mjs                       # 12 demo files × 10 days (examples/make-netcdf.mjs) in a temp dir
//   node examples/convert.mjs a.nc b.nc … out.zarr  # your own files, sources first, archive last
//
// Run it twice with the same archive: the second run finds every task done
// in the archive's ledger and writes nothing.
import { mkdtemp } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { convert, open, read, setPlan, sequential } from "@parazarr/core";
import { netcdf } from "@parazarr/netcdf";
import { threads } from "@parazarr/backend-threads";
import { makeNetcdfCollection } from "./make-netcdf.mjs";

const args = process.argv.slice(2);
if (args.length === 1) throw new TypeError("usage: node examples/convert.mjs [FILE.nc ... ARCHIVE.zarr]");
let files;
let archive;
if (args.length === 0) {
  const dir = await mkdtemp(join(tmpdir(), "parazarr-convert-demo-"));
  console.log(`writing the demo collection (12 NetCDF-4 files × 10 days, 90 × 180) under ${dir}…`);
  files = await makeNetcdfCollection(join(dir, "netcdf"));
  archive = join(dir, "demo.zarr");
} else {
  files = args.slice(0, -1).map((f) => resolve(f));
  archive = resolve(args.at(-1));
}

await setPlan(threads(Math.min(availableParallelism(), 4)));
const started = performance.now();
let last = 0;
const result = await convert(netcdf(files), pathToFileURL(archive).href, {
  chunks: { time: 8 },
  onProgress: (p) => {
    // one line a second at most: the CLI turns the same events into a bar
    if (performance.now() - last < 1000 && p.done !== p.total) return;
    last = performance.now();
    if (p.phase === "scan") console.log(`  scanned ${p.done}/${p.total} files`);
    else if (p.phase === "write") console.log(`  ${p.filesDone}/${p.files} files, ${p.done}/${p.total} tasks${p.skipped ? ` (${p.skipped} done by an earlier run)` : ""}${p.failed ? `, ${p.failed} failed` : ""}`);
  },
});
console.log(`converted ${files.length} files into ${archive} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (result !== undefined) console.log(result);

// Read it back: one point's time series touches one chunk column of the archive.
const t2m = await open(pathToFileURL(archive).href, "t2m");
const { data: series } = await read(t2m, [null, [45, 46], [90, 91]]);
console.log(`t2m (K) at lat index 45, lon index 90, first 5 of ${series.length} days:`, Array.from(series.subarray(0, 5), (v) => v.toFixed(2)).join(" "));
await setPlan(sequential());
