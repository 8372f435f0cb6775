// processes(2) beside threads(2), measured in the same script:
//   1. per-task overhead: 20,000 no-op tasks, batchSize 1 and auto, with the
//      raw IPC round trip of node:cluster (advanced serialization) as a floor;
//   2. start-up: a new plan's first map of one task;
//   3. CPU-bound speedup: 400 tasks of ~5 ms of pure computation, against sequential();
//   4. a full Zarr write (writeRegion) and read (read) of the same data, zstd v3.
//
//   npm run build && node bench/processes.mjs [tasks=20000]
//   (ZARR_BENCH_DEPTH=64 by default: a float32 (64, 1024, 1024) array, 256 MiB,
//    chunks (16, 256, 256), written under ZARR_BENCH_DIR, default /tmp/parazarr-bench)
import { fork } from "node:child_process";
import { availableParallelism } from "node:os";
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

// Function declarations only below the dispatch: top-level await runs main() before any `const` here is set.
const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === "--echo-worker") {
  // The floor: a process that answers each message at once.
  process.on("message", (message) => process.send(message));
  process.send("ready");
} else {
  await main(Number(process.argv[2] ?? 20_000));
}

async function timed(fn, rounds = 3) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function ratio(a, b) {
  return `${(a / b).toFixed(2)}×`;
}

async function main(tasks) {
  const { create, map, open, read, sequential, setPlan, writeRegion } = await import("@parazarr/core");
  const { threads } = await import("@parazarr/backend-threads");
  const { processes } = await import("@parazarr/backend-processes");
  const { burn, noop } = await import("./fixtures/tasks.mjs");
  const inputs = Array.from({ length: tasks }, (_, i) => i);
  const us = (ms) => ((ms * 1000) / tasks).toFixed(1);
  console.log(`processes(2) vs threads(2), ${availableParallelism()} cores, Node ${process.version}`);

  // 1. Per-task overhead.
  const rawMs = await rawIpc(tasks);
  const overhead = {};
  for (const [name, makePlan] of [["threads(2)", () => threads(2)], ["processes(2)", () => processes(2)]]) {
    await setPlan(makePlan());
    await map(noop, inputs.slice(0, 200));
    overhead[name] = {
      one: await timed(() => map(noop, inputs, { batchSize: 1 })),
      auto: await timed(() => map(noop, inputs)),
    };
  }
  await setPlan(sequential());
  const [t, p] = [overhead["threads(2)"], overhead["processes(2)"]];
  console.log(`\nper-task overhead, ${tasks} no-op tasks`);
  console.log(`  raw cluster IPC round trip, 2 processes, advanced serialization   ${us(rawMs)} µs/task`);
  console.log(`  batchSize 1   threads(2) ${us(t.one)} µs/task | processes(2) ${us(p.one)} µs/task = ${ratio(p.one, t.one)} threads, ${ratio(p.one, rawMs)} raw IPC`);
  console.log(`  auto batches  threads(2) ${us(t.auto)} µs/task | processes(2) ${us(p.auto)} µs/task = ${ratio(p.auto, t.auto)} threads`);

  // 2. Start-up: what the first map on a new plan waits for.
  const startup = {};
  for (const [name, makePlan] of [["threads(2)", () => threads(2)], ["processes(2)", () => processes(2)]]) {
    startup[name] = await timed(async () => {
      const plan = makePlan();
      await setPlan(plan);
      await map(noop, [0]);
      await setPlan(sequential());
    });
  }
  console.log(`\nstart-up (new plan, first map of one task, best of 3)`);
  console.log(`  threads(2) ${startup["threads(2)"].toFixed(0)} ms | processes(2) ${startup["processes(2)"].toFixed(0)} ms = ${ratio(startup["processes(2)"], startup["threads(2)"])}`);

  // 3. CPU-bound: calibrate a ~5 ms task on this machine, then 400 of them.
  let iterations = 200_000;
  {
    const t0 = performance.now();
    burn.fn({ iterations, seed: 1 }, {});
    iterations = Math.round((iterations * 5) / (performance.now() - t0));
  }
  const work = Array.from({ length: 400 }, (_, seed) => ({ iterations, seed }));
  await setPlan(sequential());
  const seqMs = await timed(() => map(burn, work), 1);
  const cpu = {};
  for (const [name, makePlan] of [["threads(2)", () => threads(2)], ["processes(2)", () => processes(2)]]) {
    await setPlan(makePlan());
    await map(burn, work.slice(0, 4));
    cpu[name] = await timed(() => map(burn, work), 2);
  }
  await setPlan(sequential());
  console.log(`\nCPU-bound, 400 tasks of ~5 ms`);
  console.log(
    `  sequential() ${seqMs.toFixed(0)} ms | threads(2) ${cpu["threads(2)"].toFixed(0)} ms, speedup ${ratio(seqMs, cpu["threads(2)"])} | ` +
      `processes(2) ${cpu["processes(2)"].toFixed(0)} ms, speedup ${ratio(seqMs, cpu["processes(2)"])}`,
  );

  // 4. Zarr: the same data written and read back on each plan.
  const { BYTES, SHAPE, CHUNKS, MB, field, storePath } = await import("./zarr-common.mjs");
  const data = field(0, SHAPE[0]);
  const zarr = {};
  for (const [name, makePlan] of [["threads(2)", () => threads(2)], ["processes(2)", () => processes(2)]]) {
    const path = storePath("zstd", `-processes-bench-${name.replace(/\W/g, "")}`);
    await setPlan(makePlan());
    // Warm the workers and their codec: start-up is not the write.
    await rm(path, { recursive: true, force: true });
    const warm = await create(path, "warm", { shape: [16, 256, 256], chunks: CHUNKS, dtype: "float32" });
    await writeRegion(warm, null, data.subarray(0, 16 * 256 * 256));
    await read(warm);
    let writeMs = Infinity;
    let readMs = Infinity;
    let same = true;
    for (let r = 0; r < 2; r++) {
      await rm(`${path}/field`, { recursive: true, force: true });
      const array = await create(path, "field", { shape: SHAPE, chunks: CHUNKS, dtype: "float32" });
      let t0 = performance.now();
      await writeRegion(array, null, data);
      writeMs = Math.min(writeMs, performance.now() - t0);
      const reopened = await open(path, "field");
      t0 = performance.now();
      const back = await read(reopened);
      readMs = Math.min(readMs, performance.now() - t0);
      for (let i = 0; i < data.length; i += 4099) same &&= back.data[i] === data[i];
    }
    zarr[name] = { writeMs, readMs, same };
    await setPlan(sequential());
    await rm(path, { recursive: true, force: true });
  }
  const mbs = (ms) => `${(BYTES / MB / (ms / 1000)).toFixed(0)} MB/s`;
  const [zt, zp] = [zarr["threads(2)"], zarr["processes(2)"]];
  console.log(`\nZarr, float32 ${JSON.stringify(SHAPE)} = ${(BYTES / 2 ** 20).toFixed(0)} MiB, chunks ${JSON.stringify(CHUNKS)}, zstd-1, v3 (best of 2)`);
  console.log(`  writeRegion  threads(2) ${mbs(zt.writeMs)} | processes(2) ${mbs(zp.writeMs)} = ${ratio(zt.writeMs, zp.writeMs)} threads' speed`);
  console.log(`  read         threads(2) ${mbs(zt.readMs)} | processes(2) ${mbs(zp.readMs)} = ${ratio(zt.readMs, zp.readMs)} threads' speed`);
  console.log(`  data read back equal to data written: threads(2) ${zt.same}, processes(2) ${zp.same}`);
}

/** `tasks` messages answered by 2 echo processes, one in flight each: the IPC floor under batchSize 1. */
async function rawIpc(tasks) {
  const workers = await Promise.all(
    [0, 1].map(async () => {
      const child = fork(SELF, ["--echo-worker"], { serialization: "advanced", execArgv: [] });
      await new Promise((resolve) => child.once("message", resolve));
      return child;
    }),
  );
  const run = () =>
    Promise.all(
      workers.map(
        (child) =>
          new Promise((resolve) => {
            let left = tasks / 2;
            const onMessage = () => {
              if (--left === 0) {
                child.off("message", onMessage);
                resolve();
              } else child.send({ type: "batch", batchId: left, items: [{ index: left, input: left, attempt: 1 }] });
            };
            child.on("message", onMessage);
            child.send({ type: "batch", batchId: left, items: [{ index: left, input: left, attempt: 1 }] });
          }),
      ),
    );
  const ms = await timed(run);
  for (const child of workers) child.kill();
  return ms;
}
