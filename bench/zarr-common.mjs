// Shared by the Zarr benchmarks: the data set of issue 3 (float32, a smooth
// field plus noise, chunks (16, 256, 256)), its size from the environment,
// and a child-process runner that reports time and peak RSS.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** First dimension: 256 gives the (256, 1024, 1024) ≈ 1 GiB; default 64 ≈ 256 MiB. */
export const DEPTH = Number(process.env.ZARR_BENCH_DEPTH ?? 64);
export const SHAPE = [DEPTH, 1024, 1024];
export const CHUNKS = [16, 256, 256];
export const BYTES = DEPTH * 1024 * 1024 * 4;
export const BENCH_DIR = process.env.ZARR_BENCH_DIR ?? "/tmp/parazarr-bench";
export const MB = 1e6;

/** Codec set-ups compared: zstd on v3, blosc and gzip on v2 (the formats the issue measured). */
export const CODECS = {
  zstd: { zarrFormat: 3, codec: { name: "zstd", level: 1 } },
  blosc: { zarrFormat: 2, codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" } },
  gzip: { zarrFormat: 2, codec: { name: "gzip", level: 1 } },
};

export function storePath(codec, tag = "") {
  return join(BENCH_DIR, `d${DEPTH}-${codec}${tag}.zarr`);
}

/** The field for planes [z0, z1): smooth in y and x, a trend in z, and noise worth ~8 bits. */
export function field(z0, z1) {
  const plane = 1024 * 1024;
  const out = new Float32Array((z1 - z0) * plane);
  let state = 12345 + z0;
  for (let z = z0; z < z1; z++) {
    for (let y = 0; y < 1024; y++) {
      const base = Math.cos(y / 40) * 10 + z * 0.05;
      const row = (z - z0) * plane + y * 1024;
      for (let x = 0; x < 1024; x++) {
        state = (state * 1664525 + 1013904223) >>> 0;
        out[row + x] = base + Math.sin(x / 50) * 10 + (state >>> 24) / 2560;
      }
    }
  }
  return out;
}

/** Runs `node script ...args` and parses the JSON line it prints last. */
export function runChild(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`${script} ${args.join(" ")} exited with ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)));
    });
  });
}

export function peakRssMB() {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export const exists = (path) => existsSync(path);
