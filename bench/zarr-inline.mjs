// Small reads: a read of k chunks on threads(2) against the same read on
// sequential() (which runs in the caller), for several chunk sizes. This is
// how INLINE_MAX_CHUNKS (packages/core/src/zarr/work-plan.ts) was chosen;
// the goal is a 1-chunk read on threads(2) ≤ 1.1× sequential().
// With PARAZARR_INLINE_MAX_CHUNKS=0 every read goes to the workers: that run
// shows what the worker path alone costs for 1, 2 and 4 chunks.
//
//   npm run build && node bench/zarr-inline.mjs [reps=200]
//   PARAZARR_INLINE_MAX_CHUNKS=0 node bench/zarr-inline.mjs [reps=200]
import { rm } from "node:fs/promises";
import { create, read, sequential, setPlan, withPlan, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { BENCH_DIR } from "./zarr-common.mjs";

const reps = Number(process.argv[2] ?? 200);
const plan = threads(2);
await setPlan(plan);
await plan.concurrency();

async function timeRead(array, selection, reps) {
  await read(array, selection); // warm
  const t = performance.now();
  for (let r = 0; r < reps; r++) await read(array, selection);
  return (performance.now() - t) / reps;
}

console.log(`median of interleaved rounds; ${reps} reads per round; threads(2) vs sequential()`);
for (const side of [64, 256, 512]) {
  const path = `${BENCH_DIR}/inline-${side}.zarr`;
  await rm(path, { recursive: true, force: true });
  const array = await create(path, "a", { shape: [4 * side, 4 * side], chunks: [side, side], dtype: "float32", codec: "zstd" });
  const values = Float32Array.from({ length: 16 * side * side }, (_, i) => Math.sin(i / 77) * 100 + (i % 13));
  await withPlan(sequential(), () => writeRegion(array, null, values));
  for (const k of [1, 2, 4]) {
    const selection = [[0, side], [0, k * side]];
    const ratios = [];
    let seqMs = 0;
    let thrMs = 0;
    for (let round = 0; round < 5; round++) {
      seqMs = await withPlan(sequential(), () => timeRead(array, selection, Math.ceil(reps / k)));
      thrMs = await timeRead(array, selection, Math.ceil(reps / k));
      ratios.push(thrMs / seqMs);
    }
    ratios.sort((a, b) => a - b);
    console.log(
      `${String(side).padStart(3)}² chunks (${((side * side * 4) / 1024).toFixed(0)} KiB), ${k} chunk(s): ` +
        `sequential ${seqMs.toFixed(3)} ms, threads(2) ${thrMs.toFixed(3)} ms, ratio ${ratios[2].toFixed(2)}×`,
    );
  }
  await rm(path, { recursive: true, force: true });
}
await setPlan(sequential());
