// The floor of a zstd read in Node, one thread, nothing of parazarr: the
// CPU (user and system) of each step a read cannot skip, on the chunks of
// bench/speed.mjs's zstd store: read the chunk files, decode them with
// node:zlib (chunkSize = the chunk's size, as parazarr), and copy their rows
// into a fresh output (first touch: the kernel maps and zeroes each page)
// and into an output already touched. Medians of 3 rounds.
//
//   node bench/read-floor.mjs [--size 256m|1g] [--dir /tmp/parazarr-speed]   (Node ≥ 22.15: node:zlib zstd)
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as zlib from "node:zlib";

const { values } = parseArgs({ options: { size: { type: "string", default: "256m" }, dir: { type: "string", default: "/tmp/parazarr-speed" } } });
const depth = { "256m": 64, "1g": 256 }[values.size];
const store = join(values.dir, `d${depth}`, "zstd.zarr");
if (typeof zlib.zstdDecompressSync !== "function") throw new Error(`Node ${process.version} has no node:zlib zstd (needs ≥ 22.15)`);
const keys = readdirSync(store).filter((k) => /^\d+\.\d+\.\d+$/.test(k));
const CHUNK = 16 * 256 * 256;

function cpu() {
  const { user, system } = process.cpuUsage();
  return { user: user / 1000, system: system / 1000 };
}

function measure(fn) {
  const a = cpu();
  const value = fn();
  const b = cpu();
  return { value, user: b.user - a.user, system: b.system - a.system };
}

function assemble(out, decoded) {
  keys.forEach((key, i) => {
    const [z, y, x] = key.split(".").map(Number);
    const chunk = new Float32Array(decoded[i].buffer, decoded[i].byteOffset, CHUNK);
    for (let zz = 0, o = 0; zz < 16; zz++) {
      for (let yy = 0; yy < 256; yy++, o += 256) out.set(chunk.subarray(o, o + 256), ((z * 16 + zz) * 1024 + y * 256 + yy) * 1024 + x * 256);
    }
  });
}

const steps = { "read the chunk files": [], "decode (node:zlib zstd)": [], "copy rows into a fresh output": [], "copy rows into a touched output": [] };
for (let round = 0; round < 3; round++) {
  const files = measure(() => keys.map((k) => readFileSync(join(store, k))));
  const decoded = measure(() => files.value.map((f) => zlib.zstdDecompressSync(f, { chunkSize: CHUNK * 4 })));
  const out = new Float32Array(depth * 1024 * 1024);
  const fresh = measure(() => assemble(out, decoded.value));
  const touched = measure(() => assemble(out, decoded.value));
  [files, decoded, fresh, touched].forEach((m, i) => Object.values(steps)[i].push(m));
}
const gib = (depth * 4) / 1024;
console.log(`${keys.length} chunks of 4 MiB (${values.size}), Node ${process.version}, one thread; CPU per GiB of output, medians of 3`);
for (const [label, runs] of Object.entries(steps)) {
  const median = (f) => runs.map(f).sort((a, b) => a - b)[1] / 1000 / gib;
  console.log(`  ${label.padEnd(34)} user ${median((r) => r.user).toFixed(2)} + system ${median((r) => r.system).toFixed(2)} core-s/GiB`);
}
