// The main job, with the `parazarr` command and Node.js alone: a demo
// collection of NetCDF-4 files (examples/make-netcdf.mjs, h5wasm) in a temp
// folder, converted once on one core (--plan sequential) and once on
// threads, each validated; then the summary and the speed-up.
//
//   npm ci && npm run build && node examples/cli-demo.mjs [--files 24]
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeNetcdfCollection } from "./make-netcdf.mjs";

const BIN = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const at = process.argv.indexOf("--files");
const count = at > 0 ? Number(process.argv[at + 1]) : 24;
const dir = mkdtempSync(join(tmpdir(), "parazarr-cli-demo-"));
console.log(`writing ${count} NetCDF-4 files (10 days each, 361 × 720) under ${dir}…`);
// A 0.5° grid: enough work per file that the threads' start-up does not hide their speed-up.
await makeNetcdfCollection(join(dir, "nc"), { files: count, days: 10, nlat: 361, nlon: 720 });

/** Runs `parazarr ARGS` as a shell would, printing what it prints; returns its --json summary when asked for one. */
function parazarr(args) {
  console.log(`\n$ parazarr ${args.map((a) => (a.includes("*") ? `'${a}'` : a)).join(" ")}`);
  const out = execFileSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (!args.includes("--json")) return process.stdout.write(out);
  const summary = JSON.parse(out.trim().split("\n").at(-1));
  console.log(`  ${summary.tasks.written} tasks, ${summary.chunksWritten} chunks, ${(summary.bytesWritten / 1e6).toFixed(1)} MB in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return summary;
}

const sequential = parazarr(["convert", "nc/*.nc", "sequential.zarr", "--plan", "sequential", "--chunks", "time=10", "--json"]);
const threads = parazarr(["convert", "nc/*.nc", "threads.zarr", "--chunks", "time=10", "--json"]);
parazarr(["validate", "threads.zarr"]);
parazarr(["convert", "nc/*.nc", "threads.zarr", "--chunks", "time=10", "--quiet"]);
console.log(`\nspeed-up of threads over sequential: ${(sequential.elapsedMs / threads.elapsedMs).toFixed(2)}×`);
