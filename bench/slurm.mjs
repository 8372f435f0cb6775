/**
 * slurm() against processes(2) on this machine (a one-node loopback Slurm,
 * test/fixtures/slurm.mjs): time to first result (submission to a task's
 * answer), per-task overhead, and a full Zarr read; and the two transports
 * a Slurm task could use, measured alone: a TCP round trip against a
 * mailbox on the shared filesystem (write + rename, polled). Prints a table.
 *
 *     npm run build && node bench/slurm.mjs
 */
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { slurm } from "@parazarr/backend-slurm";
import { processes } from "@parazarr/backend-processes";
import { create, map, read, setPlan, sequential, writeRegion } from "@parazarr/core";
import { startSlurm } from "../test/fixtures/slurm.mjs";
import { square } from "../test/fixtures/tasks.mjs";

const ms = (t) => (t < 1 ? `${(t * 1000).toFixed(0)} µs` : `${t.toFixed(1)} ms`);
const range = (n) => Array.from({ length: n }, (_, i) => i);

async function planFigures(name, plan, zarrDir) {
  const t0 = performance.now();
  await setPlan(plan);
  await map(square, [1], { batchSize: 1 });
  const first = performance.now() - t0;
  await map(square, range(200), { batchSize: 1 }); // warm
  const t1 = performance.now();
  await map(square, range(2000), { batchSize: 1 });
  const perTask = (performance.now() - t1) / 2000;
  const t2 = performance.now();
  await map(square, range(20000));
  const perTaskAuto = (performance.now() - t2) / 20000;
  const array = await create(zarrDir, `v-${name.replace(/\W/g, "")}`, { shape: [1024, 1024], chunks: [128, 128], dtype: "float64", codec: "zstd" });
  await writeRegion(array, null, Float64Array.from(range(1024 * 1024), (i) => Math.sin(i)), { inline: "never" });
  const t3 = performance.now();
  await read(array, null, { inline: "never" });
  const zarrRead = performance.now() - t3;
  await setPlan(sequential());
  return { name, first, perTask, perTaskAuto, zarrRead };
}

/** TCP: request/answer round trips over loopback (what a task's link costs beyond the network). */
async function tcpRoundTrip(n) {
  const server = createServer((s) => s.on("data", (d) => s.write(d)));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const socket = connect(server.address().port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise((r) => socket.once("connect", r));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const answered = new Promise((r) => socket.once("data", r));
    socket.write("x");
    await answered;
  }
  const each = (performance.now() - t0) / n;
  socket.destroy();
  server.close();
  return each;
}

/** Mailbox: a message is a file written then renamed into the other side's folder, which polls every pollMs. */
async function mailboxRoundTrip(n, pollMs) {
  const dir = mkdtempSync("/tmp/parazarr-mailbox-");
  mkdirSync(join(dir, "down"));
  mkdirSync(join(dir, "up"));
  const child = fork(new URL(import.meta.url), ["--mailbox-echo", dir, String(pollMs)]);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, `.m${i}`), "x");
    renameSync(join(dir, `.m${i}`), join(dir, "down", `m${i}`));
    for (;;) {
      if (readdirSync(join(dir, "up")).length > 0) break;
      await sleep(pollMs);
    }
    rmSync(join(dir, "up", `m${i}`));
  }
  const each = (performance.now() - t0) / n;
  child.kill();
  rmSync(dir, { recursive: true, force: true });
  return each;
}

async function mailboxEcho(dir, pollMs) {
  for (;;) {
    for (const name of readdirSync(join(dir, "down"))) {
      readFileSync(join(dir, "down", name));
      rmSync(join(dir, "down", name));
      writeFileSync(join(dir, `.${name}`), "x");
      renameSync(join(dir, `.${name}`), join(dir, "up", name));
    }
    await sleep(pollMs);
  }
}

if (process.argv[2] === "--mailbox-echo") {
  await mailboxEcho(process.argv[3], Number(process.argv[4]));
} else {
  const cluster = await startSlurm({ cpus: 2, memoryMB: 2000 });
  try {
    const stagingDir = join(cluster.dir, "parazarr");
    mkdirSync(join(stagingDir, "zarr"), { recursive: true });
    const options = { partition: cluster.partition, workers: 2, stagingDir, node: process.execPath, listen: "127.0.0.1:0", env: cluster.env };
    const rows = [
      await planFigures("processes(2)", processes(2), join(stagingDir, "zarr")),
      await planFigures("slurm(debug, 2 workers)", slurm(options), join(stagingDir, "zarr")),
    ];
    console.log("plan                      first result   per task (batchSize 1)   per task (auto)   full Zarr read (8 MiB, 64 chunks)");
    for (const r of rows) console.log(`${r.name.padEnd(26)}${ms(r.first).padEnd(15)}${ms(r.perTask).padEnd(25)}${ms(r.perTaskAuto).padEnd(18)}${ms(r.zarrRead)}`);
    console.log(`\ntransport round trip: TCP ${ms(await tcpRoundTrip(2000))}; mailbox polled every 10 ms ${ms(await mailboxRoundTrip(100, 10))}, every 100 ms ${ms(await mailboxRoundTrip(20, 100))} (local disk; NFS attribute caching adds up to its actimeo)`);
  } finally {
    await setPlan(sequential());
    await cluster.stop();
  }
}
