// batch({ workers: 2 }) on the local AWS Batch stand-in (children are local
// processes, S3 is s3rver on loopback) against processes(2), in one script:
// time to first result of a fresh plan, per-task overhead (no-op tasks), S3
// requests per task and per idle child-minute, and a full Zarr read from
// s3:// (float32, chunks (16, 256, 256), zstd-1).
//
//   npm run build && node bench/batch.mjs [tasks=500] [depth=16]
//
// Both servers run in this process; every request s3rver answers (the
// caller's and the children's) is counted. The children share this
// machine's 2 cores with the caller, s3rver and the endpoint.
import { createRequire } from "node:module";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { create, map, mapUnordered, open, read, sequential, setPlan, writeRegion } from "@parazarr/core";
import { batch } from "@parazarr/backend-batch";
import { processes } from "@parazarr/backend-processes";
import { DEFAULT_ROLE_CREDENTIALS, startBatchEndpoint } from "../test/fixtures/batch-endpoint.mjs";
import { noop } from "./fixtures/tasks.mjs";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const tasks = Number(process.argv[2] ?? 500);
const depth = Number(process.argv[3] ?? 16);
const inputs = Array.from({ length: tasks }, (_, i) => i);
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// s3rver, counting every request it answers.
const directory = await mkdtemp(join(tmpdir(), "parazarr-bench-s3-"));
const { DUMMY_ACCOUNT } = createRequire(import.meta.url)("s3rver/lib/models/account");
DUMMY_ACCOUNT.createKeyPair("BENCHCALLER", "bench-caller-secret");
DUMMY_ACCOUNT.createKeyPair(DEFAULT_ROLE_CREDENTIALS.accessKeyId, DEFAULT_ROLE_CREDENTIALS.secretAccessKey);
const bucket = "parazarr-bench";
const s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
const { port } = await s3rver.run();
let s3Requests = 0;
s3rver.httpServer.on("request", () => s3Requests++);
const s3Endpoint = `http://127.0.0.1:${port}`;
Object.assign(process.env, { AWS_ACCESS_KEY_ID: "BENCHCALLER", AWS_SECRET_ACCESS_KEY: "bench-caller-secret", AWS_REGION: "us-east-1", AWS_ENDPOINT_URL_S3: s3Endpoint });
const endpoint = await startBatchEndpoint({ stopGraceMs: 500, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });

const makeBatch = () =>
  batch({ jobQueue: "bench", staging: `s3://${bucket}/staging`, region: "us-east-1", endpoint: endpoint.url, s3: { endpoint: s3Endpoint, forcePathStyle: true }, workers: 2 });
const plans = { "processes(2)": () => processes(2), "batch(2 children)": makeBatch };
const rows = {};

for (const [name, make] of Object.entries(plans)) {
  const row = (rows[name] = {});
  await setPlan(make());
  let t = performance.now();
  for await (const _ of mapUnordered(noop, [0])) break;
  row.firstResultMs = performance.now() - t;
  await map(noop, inputs.slice(0, 20));
  let before = s3Requests;
  t = performance.now();
  await map(noop, inputs, { batchSize: 1 });
  row.unbatchedUs = ((performance.now() - t) * 1000) / tasks;
  row.requestsPerTask = (s3Requests - before) / tasks;
  before = s3Requests;
  t = performance.now();
  await map(noop, inputs);
  row.autoUs = ((performance.now() - t) * 1000) / tasks;
  row.requestsPerTaskAuto = (s3Requests - before) / tasks;
  if (name.startsWith("batch")) {
    // Idle: the recent window (10 s at pollMs), the fall-off, then the steady rate, measured over 20 s.
    await sleep(25_000);
    before = s3Requests;
    await sleep(20_000);
    row.idleRequestsPerChildMinute = ((s3Requests - before) / 2) * 3;
  }
  await setPlan(sequential());
}

// A full Zarr read from s3://, written once with sequential().
const shape = [depth, 1024, 1024];
const url = `s3://${bucket}/bench.zarr`;
const array = await create(url, "field", { shape, chunks: [16, 256, 256], dtype: "float32", codec: "zstd" });
const data = Float32Array.from({ length: depth * 1024 * 1024 }, (_, i) => Math.sin(i / 977) * 100);
await setPlan(processes(2));
await writeRegion(array, null, data);
const bytes = data.byteLength;
for (const [name, make] of Object.entries(plans)) {
  await setPlan(make());
  const opened = await open(url, "field");
  await read(opened, [[0, 1], null, null]); // warm: workers started, modules loaded
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    const out = await read(opened, null);
    best = Math.min(best, performance.now() - t);
    if ((out.data)[12345] !== data[12345]) throw new Error(`${name} read wrong data`);
  }
  rows[name].readMBps = bytes / 1e6 / (best / 1000);
  await setPlan(sequential());
}

await endpoint.stop();
s3rver.httpServer?.closeAllConnections?.();
await s3rver.close();
await rm(directory, { recursive: true, force: true });

const fmt = (v, digits = 1) => (v === undefined ? "—" : v.toFixed(digits));
console.log(`batch stand-in against processes(2): ${tasks} no-op tasks, a ${bytes / 2 ** 20} MiB read, ${availableParallelism()} cores`);
for (const [name, row] of Object.entries(rows)) {
  console.log(
    `  ${name.padEnd(18)} first result ${fmt(row.firstResultMs, 0)} ms | batchSize 1 ${fmt(row.unbatchedUs, 0)} µs/task (${fmt(row.requestsPerTask, 2)} S3 req/task)` +
      ` | auto ${fmt(row.autoUs, 0)} µs/task (${fmt(row.requestsPerTaskAuto, 3)} S3 req/task) | idle ${fmt(row.idleRequestsPerChildMinute, 1)} S3 req/child-min | full read ${fmt(row.readMBps, 0)} MB/s`,
  );
}
