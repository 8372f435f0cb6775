// Per-task overhead of map on threads(2) against raw piscina, and the
// CPU-bound speedup of threads(2) over sequential(), in one process.
//
//   npm run build && node bench/overhead.mjs [tasks=20000]
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { map, mapUnordered, sequential, setPlan } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { burn, noop } from "./fixtures/tasks.mjs";

const tasks = Number(process.argv[2] ?? 20_000);
const inputs = Array.from({ length: tasks }, (_, i) => i);
const us = (ms) => ((ms * 1000) / tasks).toFixed(1);

async function timed(fn, rounds = 3) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

// Raw piscina, same pool shape as threads(2): 2 threads, atomics disabled.
const raw = new Piscina({
  filename: new URL("./fixtures/raw-piscina-worker.mjs", import.meta.url).href,
  minThreads: 2,
  maxThreads: 2,
  atomics: "disabled",
});
await Promise.all(inputs.slice(0, 100).map((x) => raw.run(x)));
const rawMs = await timed(() => Promise.all(inputs.map((x) => raw.run(x))));
await raw.close();

setPlan(threads(2));
await map(noop, inputs.slice(0, 100));
const unbatchedMs = await timed(() => map(noop, inputs, { batchSize: 1 }));
const autoMs = await timed(() => map(noop, inputs));

// mapUnordered: the iterator gives the event loop a turn every 10 ms (issue 9).
const drain = async (options) => {
  for await (const _ of mapUnordered(noop, inputs, options));
};
const unorderedMs = await timed(() => drain({ batchSize: 1 }));
const unorderedAutoMs = await timed(() => drain({}));
await setPlan(sequential());
await map(noop, inputs.slice(0, 100));
const seqMs0 = await timed(() => map(noop, inputs));
const seqUnorderedMs = await timed(() => drain({}));
await setPlan(threads(2));

console.log(`per-task overhead, ${tasks} no-op tasks, ${availableParallelism()} cores`);
console.log(`  raw piscina (2 threads)         ${us(rawMs)} µs/task`);
console.log(`  map on threads(2), batchSize 1  ${us(unbatchedMs)} µs/task  (${(unbatchedMs / rawMs).toFixed(2)}× raw piscina)`);
console.log(`  map on threads(2), auto batches ${us(autoMs)} µs/task  (${(autoMs / rawMs).toFixed(2)}× raw piscina)`);
console.log(`  mapUnordered on threads(2), batchSize 1  ${us(unorderedMs)} µs/task`);
console.log(`  mapUnordered on threads(2), auto batches ${us(unorderedAutoMs)} µs/task`);
console.log(`  map on sequential()          ${us(seqMs0)} µs/task`);
console.log(`  mapUnordered on sequential() ${us(seqUnorderedMs)} µs/task`);

// CPU-bound: calibrate a ~5 ms task on this machine, then 400 of them.
let iterations = 200_000;
{
  const t = performance.now();
  burn.fn({ iterations, seed: 1 }, /** @type {any} */ ({}));
  iterations = Math.round((iterations * 5) / (performance.now() - t));
}
const work = Array.from({ length: 400 }, (_, seed) => ({ iterations, seed }));
await setPlan(sequential());
const seqMs = await timed(() => map(burn, work), 1);
await setPlan(threads(2));
await map(burn, work.slice(0, 4));
const thrMs = await timed(() => map(burn, work), 1);
console.log(`CPU-bound, 400 tasks of ~5 ms`);
console.log(`  sequential() ${seqMs.toFixed(0)} ms, threads(2) ${thrMs.toFixed(0)} ms: speedup ${(seqMs / thrMs).toFixed(2)}×`);
await setPlan(sequential());
