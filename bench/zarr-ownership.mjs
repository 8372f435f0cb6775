// What chunk ownership across calls costs when calls do not overlap (the
// common case): many small writes one after another (per-call overhead,
// inline), one large write on threads(2), and 8 chunk-aligned bands written
// at once on threads(2). Best of `runs`. Run it from two checkouts to
// compare (a copy of this file next to the other checkout's node_modules).
//
//   npm run build && node bench/zarr-ownership.mjs [runs=3]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, sequential, setPlan, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";

const runs = Number(process.argv[2] ?? 3);
const root = mkdtempSync(join(tmpdir(), "parazarr-bench-ownership-"));
let n = 0;

async function best(fn) {
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

try {
  await setPlan(sequential());
  const small = await create(root, `s${n++}`, { shape: [300 * 4096], chunks: [4096], dtype: "float32", codec: "zstd" });
  const chunk = Float32Array.from({ length: 4096 }, (_, i) => i % 97);
  const smallMs = await best(async () => {
    for (let i = 0; i < 300; i++) await writeRegion(small, [[i * 4096, (i + 1) * 4096]], chunk);
  });
  console.log(`300 one-chunk writes, sequential(): ${(smallMs / 300).toFixed(3)} ms per call`);

  await setPlan(threads(2));
  const shape = [64, 512, 512];
  const big = await create(root, `b${n++}`, { shape, chunks: [8, 256, 256], dtype: "float32", codec: "zstd" });
  const data = Float32Array.from({ length: 64 * 512 * 512 }, (_, i) => Math.sin(i / 1000));
  const bigMs = await best(() => writeRegion(big, null, data));
  console.log(`one 64 MiB write, threads(2): ${bigMs.toFixed(0)} ms (${(64 / (bigMs / 1000)).toFixed(0)} MiB/s)`);

  const bandsMs = await best(() =>
    Promise.all(Array.from({ length: 8 }, (_, i) => writeRegion(big, [[8 * i, 8 * i + 8], null, null], data.subarray(0, 8 * 512 * 512)))),
  );
  console.log(`8 aligned bands at once, threads(2): ${bandsMs.toFixed(0)} ms (${(64 / (bandsMs / 1000)).toFixed(0)} MiB/s)`);
} finally {
  await setPlan(sequential());
  rmSync(root, { recursive: true, force: true });
}
