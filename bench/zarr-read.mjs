// Full read of the issue-3 data set: parazarr `read` on threads(2) against
// zarrita's own `get`, each in a fresh child process (so peak RSS is its
// own), for zstd (v3), blosc (v2) and gzip (v2). Goals (issue 3): ≥ 2.5×
// (zstd), ≥ 2.0× (blosc), ≥ 2.8× (gzip); parazarr's peak RSS ≤ 1.3 × data.
//
//   npm run build && ZARR_BENCH_DEPTH=64 node bench/zarr-read.mjs [runs=2]
//   (ZARR_BENCH_DEPTH=256 is the 1 GiB; stores are kept in
//   ZARR_BENCH_DIR, default /tmp/parazarr-bench, and reused.)
import { fileURLToPath } from "node:url";
import { BYTES, CODECS, DEPTH, MB, SHAPE, exists, peakRssMB, runChild, storePath } from "./zarr-common.mjs";

const SELF = fileURLToPath(import.meta.url);
const [mode, codec, runsText] = process.argv.slice(2);

if (mode === "--prepare") await prepare(codec);
else if (mode === "--zarrita") await timeZarrita(codec, Number(runsText));
else if (mode === "--parazarr") await timeParazarr(codec, Number(runsText));
else if (mode === "--pool") await timePool(codec, Number(runsText));
else await main(Number(mode ?? 2));

async function main(runs) {
  console.log(`data: float32 ${JSON.stringify(SHAPE)} = ${(BYTES / 2 ** 20).toFixed(0)} MiB, chunks (16, 256, 256), ${runs} timed runs each (best kept)`);
  for (const name of Object.keys(CODECS)) {
    if (!exists(storePath(name))) await runChild(SELF, ["--prepare", name]);
    const zarrita = await runChild(SELF, ["--zarrita", name, String(runs)]);
    const ours = await runChild(SELF, ["--parazarr", name, String(runs)]);
    const pool = await runChild(SELF, ["--pool", name, String(runs)]);
    const rate = (ms) => `${(BYTES / MB / (ms / 1000)).toFixed(0)} MB/s`;
    console.log(
      `${name.padEnd(6)} zarrita get ${rate(zarrita.ms)} (peak RSS ${zarrita.rss} MB) | ` +
        `parazarr threads(2) ${rate(ours.ms)} (peak RSS ${ours.rss} MB, ${(ours.rss / (BYTES / 2 ** 20)).toFixed(2)}× data) | ` +
        `speed-up ${(zarrita.ms / ours.ms).toFixed(2)}× | bare 2-thread pool ${rate(pool.ms)}, ${(zarrita.ms / pool.ms).toFixed(2)}× zarrita; parazarr at ${(pool.ms / ours.ms).toFixed(2)} of it | ` +
        `same data: ${ours.checksum === zarrita.checksum && pool.checksum === zarrita.checksum}`,
    );
  }
}

/** Writes the data set with parazarr on threads(2), a few planes at a time. */
async function prepare(name) {
  const { create, setPlan, sequential, writeRegion } = await import("@parazarr/core");
  const { threads } = await import("@parazarr/backend-threads");
  const { field } = await import("./zarr-common.mjs");
  await setPlan(threads(2));
  const array = await create(storePath(name), "field", { shape: SHAPE, chunks: [16, 256, 256], dtype: "float32", ...CODECS[name] });
  for (let z = 0; z < DEPTH; z += 16) await writeRegion(array, [[z, z + 16], null, null], field(z, z + 16));
  await setPlan(sequential());
  console.log("{}");
}

/** A cheap fingerprint of the result, to check both readers agree. */
function fingerprint(data) {
  let sum = 0;
  for (let i = 0; i < data.length; i += 4099) sum += data[i];
  return sum.toFixed(3);
}

async function timeZarrita(name, runs) {
  const zarr = await import("zarrita");
  const { FileSystemStore } = await import("@zarrita/storage");
  const arr = await zarr.open(zarr.root(new FileSystemStore(storePath(name))).resolve("field"), { kind: "array" });
  await zarr.get(arr, [zarr.slice(0, 1), zarr.slice(0, 256), zarr.slice(0, 256)]); // load the codec
  let best = Infinity;
  let checksum = "";
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const result = await zarr.get(arr);
    best = Math.min(best, performance.now() - t);
    checksum = fingerprint(result.data);
    // Peak RSS of one full read: taken after the first (a later run may overlap the last result's garbage).
    if (r === 0) rss = peakRssMB();
  }
  console.log(JSON.stringify({ ms: best, rss, checksum }));
}

async function timePool(name, runs) {
  const { poolRead } = await import("./zarr-pool.mjs");
  let best = Infinity;
  let checksum = "";
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const data = await poolRead(storePath(name), name, DEPTH);
    best = Math.min(best, performance.now() - t);
    checksum = fingerprint(data);
  }
  console.log(JSON.stringify({ ms: best, rss: peakRssMB(), checksum }));
}

async function timeParazarr(name, runs) {
  const { open, read, setPlan, sequential } = await import("@parazarr/core");
  const { threads } = await import("@parazarr/backend-threads");
  const plan = threads(2);
  await setPlan(plan);
  const array = await open(storePath(name), "field");
  await read(array, [[0, 16], [0, 512], [0, 512]]); // start the workers, load the codec in each
  let best = Infinity;
  let checksum = "";
  let rss = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    const result = await read(array);
    best = Math.min(best, performance.now() - t);
    checksum = fingerprint(result.data);
    if (r === 0) rss = peakRssMB();
  }
  await setPlan(sequential());
  console.log(JSON.stringify({ ms: best, rss, checksum }));
}
