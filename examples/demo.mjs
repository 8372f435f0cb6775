// The parazarr demo: build a Zarr array in parallel, read it back, verify,
// and compare throughput on sequential() and threads().
//
//   npm run demo                       # ≈ 256 MiB of float32, zstd, in a temporary directory
//   PARAZARR_DEMO_MB=1024 npm run demo # bigger
//   PARAZARR_DEMO_DIR=./out npm run demo   # keep the arrays (default: a temp dir, removed at the end)
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { create, read, sequential, setPlan, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";

const sizeMb = Number(process.env.PARAZARR_DEMO_MB ?? 256);
if (!(sizeMb >= 4)) throw new Error(`PARAZARR_DEMO_MB must be a number ≥ 4, got ${process.env.PARAZARR_DEMO_MB}`);
const [ny, nx] = [1024, 1024];
const nt = Math.max(1, Math.round((sizeMb * 2 ** 20) / (4 * ny * nx)));
const shape = [nt, ny, nx];
const chunks = [8, 256, 256];
const keep = process.env.PARAZARR_DEMO_DIR !== undefined;
const root = keep ? resolve(process.env.PARAZARR_DEMO_DIR) : await mkdtemp(join(tmpdir(), "parazarr-demo-"));
const mb = (4 * nt * ny * nx) / 1e6;

console.log(`parazarr demo: float32 ${shape.join("×")} (${mb.toFixed(0)} MB), chunks ${chunks.join("×")}, zstd, ${availableParallelism()} cores`);
console.log(`  making a smooth field with noise…`);
const field = new Float32Array(nt * ny * nx);
let seed = 12345;
for (let t = 0, i = 0; t < nt; t++) {
  for (let y = 0; y < ny; y++) {
    const base = 15 + 10 * Math.sin((y / ny) * Math.PI + t / 30);
    for (let x = 0; x < nx; x++, i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      field[i] = base + 5 * Math.cos((x / nx) * 2 * Math.PI) + (seed / 2 ** 32 - 0.5) * 0.1;
    }
  }
}

async function roundTrip(plan) {
  await setPlan(plan);
  const url = pathToFileURL(join(root, `${String(plan).replace(/[()]/g, "")}.zarr`)).href;
  const array = await create(url, "temperature", {
    shape,
    chunks,
    dtype: "float32",
    codec: "zstd",
    dimensionNames: ["time", "y", "x"],
    attributes: { units: "degC" },
  });
  const progress = (what) => ({ done, total }) => {
    if (process.stdout.isTTY) process.stdout.write(`\r  ${String(plan).padEnd(12)} ${what} ${done}/${total} chunks`);
  };
  let t = performance.now();
  const receipt = await writeRegion(array, null, field, { onProgress: progress("writing") });
  const writeS = (performance.now() - t) / 1000;
  t = performance.now();
  const { data } = await read(array, null, { onProgress: progress("reading") });
  const readS = (performance.now() - t) / 1000;
  if (process.stdout.isTTY) process.stdout.write("\r\x1b[K");
  let mismatches = 0;
  for (let i = 0; i < field.length; i++) if (data[i] !== field[i]) mismatches++;
  if (mismatches > 0) throw new Error(`${mismatches} elements read back differ from what was written: this is a bug`);
  const ratio = mb / (receipt.bytesWritten / 1e6);
  console.log(
    `  ${String(plan).padEnd(12)} write ${(mb / writeS).toFixed(0).padStart(5)} MB/s   read ${(mb / readS).toFixed(0).padStart(5)} MB/s   ` +
      `${receipt.chunksWritten} chunks, ${(receipt.bytesWritten / 1e6).toFixed(0)} MB stored (${ratio.toFixed(1)}:1), verified`,
  );
  return { writeS, readS };
}

try {
  const seq = await roundTrip(sequential());
  const par = await roundTrip(threads());
  console.log(`  threads(${availableParallelism()}) vs sequential(): write ${(seq.writeS / par.writeS).toFixed(2)}×, read ${(seq.readS / par.readS).toFixed(2)}×`);
  if (keep) console.log(`  arrays kept in ${root}`);
} finally {
  await setPlan(sequential());
  if (!keep) await rm(root, { recursive: true, force: true });
}
