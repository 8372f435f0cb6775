// Full write of the issue-3 data set: parazarr `writeRegion` on threads(2)
// against zarrita's `set`, each in a fresh child process, for zstd and
// blosc (both Zarr v3). Goal (issue 3): ≥ 1.8×.
//
//   npm run build && ZARR_BENCH_DEPTH=64 node bench/zarr-write.mjs [runs=2]
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { BYTES, DEPTH, MB, SHAPE, field, peakRssMB, runChild, storePath } from "./zarr-common.mjs";

const SELF = fileURLToPath(import.meta.url);
const [mode, codec, runsText] = process.argv.slice(2);

// The same codec settings on both sides; blosc's shuffle as a number for zarrita (a string means "no shuffle" there).
const SETUPS = {
  zstd: { ours: { name: "zstd", level: 1 }, zarrita: { name: "zstd", configuration: { level: 1, checksum: false } } },
  blosc: {
    ours: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
    zarrita: { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: 1, typesize: 4, blocksize: 0 } },
  },
};

if (mode === "--zarrita") await timeZarrita(codec, Number(runsText));
else if (mode === "--parazarr") await timeParazarr(codec, Number(runsText));
else await main(Number(mode ?? 2));

async function main(runs) {
  console.log(`data: float32 ${JSON.stringify(SHAPE)} = ${(BYTES / 2 ** 20).toFixed(0)} MiB, chunks (16, 256, 256), ${runs} timed runs each (best kept)`);
  for (const name of Object.keys(SETUPS)) {
    const zarrita = await runChild(SELF, ["--zarrita", name, String(runs)]);
    const ours = await runChild(SELF, ["--parazarr", name, String(runs)]);
    console.log(
      `${name.padEnd(6)} zarrita set ${(BYTES / MB / (zarrita.ms / 1000)).toFixed(0)} MB/s (peak RSS ${zarrita.rss} MB) | ` +
        `parazarr threads(2) ${(BYTES / MB / (ours.ms / 1000)).toFixed(0)} MB/s (peak RSS ${ours.rss} MB) | speed-up ${(zarrita.ms / ours.ms).toFixed(2)}×`,
    );
  }
}

async function timeZarrita(name, runs) {
  const zarr = await import("zarrita");
  const { FileSystemStore } = await import("@zarrita/storage");
  const data = field(0, DEPTH);
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const path = storePath(name, "-write-zarrita");
    await rm(path, { recursive: true, force: true });
    const arr = await zarr.create(zarr.root(new FileSystemStore(path)).resolve("field"), {
      shape: SHAPE, chunkShape: [16, 256, 256], dtype: "float32", fillValue: 0,
      codecs: [{ name: "bytes", configuration: { endian: "little" } }, SETUPS[name].zarrita],
    });
    const t = performance.now();
    await zarr.set(arr, null, { data, shape: SHAPE, stride: [1024 * 1024, 1024, 1] });
    best = Math.min(best, performance.now() - t);
    await rm(path, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ ms: best, rss: peakRssMB() }));
}

async function timeParazarr(name, runs) {
  const { create, setPlan, sequential, writeRegion } = await import("@parazarr/core");
  const { threads } = await import("@parazarr/backend-threads");
  await setPlan(threads(2));
  const data = field(0, DEPTH);
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const path = storePath(name, "-write-parazarr");
    await rm(path, { recursive: true, force: true });
    const array = await create(path, "field", { shape: SHAPE, chunks: [16, 256, 256], dtype: "float32", codec: SETUPS[name].ours });
    // Warm the workers and their codec on a small array first: start-up is not the write.
    const warm = await create(path, "warm", { shape: [16, 256, 256], chunks: [16, 256, 256], dtype: "float32", codec: SETUPS[name].ours });
    await writeRegion(warm, null, data.subarray(0, 16 * 256 * 256));
    await writeRegion(warm, null, data.subarray(0, 16 * 256 * 256));
    const t = performance.now();
    await writeRegion(array, null, data);
    best = Math.min(best, performance.now() - t);
    await rm(path, { recursive: true, force: true });
  }
  await setPlan(sequential());
  console.log(JSON.stringify({ ms: best, rss: peakRssMB() }));
}
