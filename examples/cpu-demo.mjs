// The parazarr demo: the same map on sequential(), then on threads().
//
//   npm run build && node examples/cpu-demo.mjs
//   SLICES=800 node examples/cpu-demo.mjs
import { availableParallelism } from "node:os";
import { map, sequential, setPlan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { integrateSlice } from "./tasks.mjs";

const slices = Number(process.env.SLICES ?? 400);
const inputs = Array.from({ length: slices }, (_, i) => ({
  from: (1000 * i) / slices,
  to: (1000 * (i + 1)) / slices,
  steps: 400_000,
}));

async function run(plan) {
  await setPlan(plan);
  const started = performance.now();
  const parts = await map(integrateSlice, inputs, {
    onProgress: ({ done, total }) => {
      if (process.stdout.isTTY) process.stdout.write(`\r  ${String(plan).padEnd(12)} ${done}/${total}`);
    },
  });
  const ms = performance.now() - started;
  if (process.stdout.isTTY) process.stdout.write("\r\x1b[K");
  const integral = parts.reduce((a, b) => a + b, 0);
  console.log(`  ${String(plan).padEnd(12)} ${ms.toFixed(0).padStart(6)} ms   ∫ = ${integral.toFixed(9)}`);
  return { ms, integral };
}

console.log(`parazarr demo: ${slices} tasks of ~5 ms each, ${availableParallelism()} cores`);
const seq = await run(sequential());
const par = await run(threads());
await setPlan(sequential());
if (Math.abs(seq.integral - par.integral) > 1e-9) {
  console.error("the two plans disagree: this is a bug");
  process.exit(1);
}
console.log(`  speedup: ${(seq.ms / par.ms).toFixed(2)}× on threads(${availableParallelism()})`);
