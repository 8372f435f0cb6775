// 256 chunks from an HTTP store that answers every request after a fixed
// latency: does read() overlap the waits? Goal (issue 3):
//   wall ≤ 1.2 × (latency × ⌈256 / concurrency⌉)
// where concurrency is the plan's. The script also prints the bound at the
// concurrency the server really saw (most requests answered at once): the
// stricter test of how well the waits overlap. The server runs in a child
// process, as a remote store would, so its work does not stall the reader.
//
//   npm run build && node bench/zarr-http-latency.mjs [latencyMs=20] [rounds=5]
import { fork } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create, open, read, sequential, setPlan, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { openHttpStore } from "../packages/core/dist/zarr/stores/http.js";
import { startHttpServer } from "../test/fixtures/http-server.mjs";

const SIDE = 1024;
const CHUNK = 64; // (1024 / 64)² = 256 chunks of 16 KiB
const CHUNKS = (SIDE / CHUNK) ** 2;

if (process.argv[2] === "--serve") await serve(process.argv[3], Number(process.argv[4]));
else await main(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 5));

/** The server role: serve `dir`; on "stats", report counters over IPC and reset the peak. */
async function serve(dir, latencyMs) {
  const web = await startHttpServer(dir, { latencyMs });
  process.on("message", (message) => {
    if (message !== "stats") return;
    process.send({ ...web.stats });
    web.stats.maxInFlight = 0;
  });
  process.on("disconnect", () => void web.stop());
  process.send({ url: web.url });
}

async function main(latencyMs, rounds) {
  const dir = await mkdtemp(join(tmpdir(), "parazarr-http-bench-"));
  const expected = Float32Array.from({ length: SIDE * SIDE }, (_, i) => Math.sin(i / 977) * 100 + (i % 13));
  await setPlan(sequential());
  const array = await create(dir, "field", { shape: [SIDE, SIDE], chunks: [CHUNK, CHUNK], dtype: "float32", codec: "zstd" });
  await writeRegion(array, null, expected);

  const server = fork(fileURLToPath(import.meta.url), ["--serve", dir, String(latencyMs)], { stdio: "inherit" });
  const [{ url }] = await once(server, "message");
  const stats = async () => {
    server.send("stats");
    return (await once(server, "message"))[0];
  };
  const rows = [];
  let baseline;
  try {
    for (const [name, plan] of [["sequential()", sequential()], ["threads(2)", threads(2)]]) {
      await setPlan(plan);
      const handle = await open(`${url}/`, "field");
      await read(handle, null); // warm: workers started, connections open
      const times = [];
      let maxInFlight = 0;
      for (let r = 0; r < rounds; r++) {
        const before = (await stats()).requests;
        const started = performance.now();
        const { data } = await read(handle, null);
        times.push(performance.now() - started);
        const after = await stats();
        maxInFlight = Math.max(maxInFlight, after.maxInFlight);
        if (after.requests - before !== CHUNKS) throw new Error(`expected ${CHUNKS} chunk requests, saw ${after.requests - before}`);
        if (!sameFloats(data, expected)) throw new Error(`${name}: data read back differs from data written`);
      }
      times.sort((a, b) => a - b);
      const concurrency = await plan.concurrency();
      rows.push({
        name,
        concurrency,
        maxInFlight,
        wall: times[Math.floor(times.length / 2)],
        bound: 1.2 * latencyMs * Math.ceil(CHUNKS / concurrency),
        strictBound: 1.2 * latencyMs * Math.ceil(CHUNKS / maxInFlight),
      });
    }
    baseline = await storeAlone(url, Math.max(...rows.map((r) => r.maxInFlight)), rounds);
  } finally {
    await setPlan(sequential());
    server.disconnect();
    await once(server, "exit");
    await rm(dir, { recursive: true, force: true });
  }

  console.log(`${CHUNKS} chunks of ${CHUNK}×${CHUNK} float32 (zstd) over HTTP, ${latencyMs} ms per response, median of ${rounds}`);
  console.log(
    `store alone   wall ${baseline.wall.toFixed(0).padStart(4)} ms | the same 256 GETs straight from the store, ${baseline.wave} at a time, no decode: ` +
      `the floor on this machine (ideal ${latencyMs * Math.ceil(CHUNKS / baseline.wave)} ms)`,
  );
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(13)} wall ${r.wall.toFixed(0).padStart(4)} ms | ` +
        `bound at plan concurrency ${r.concurrency}: ${r.bound.toFixed(0)} ms, ratio ${(r.wall / r.bound).toFixed(2)} (goal ≤ 1) | ` +
        `server saw ≤ ${r.maxInFlight} at once: bound ${r.strictBound.toFixed(0)} ms, ratio ${(r.wall / r.strictBound).toFixed(2)} | ` +
        `vs store alone ${(r.wall / baseline.wall).toFixed(2)}×`,
    );
  }
}

/** Baseline: the chunk GETs alone, in waves as wide as the read reached, without parazarr's read path or decoding. */
async function storeAlone(url, wave, rounds) {
  const store = await openHttpStore({ url });
  const keys = Array.from({ length: CHUNKS }, (_, i) => `/field/c/${Math.floor(i / (SIDE / CHUNK))}/${i % (SIDE / CHUNK)}`);
  const times = [];
  for (let r = 0; r <= rounds; r++) {
    const started = performance.now();
    for (let w = 0; w < CHUNKS; w += wave) {
      const got = await Promise.all(keys.slice(w, w + wave).map((key) => store.get(key)));
      if (got.some((bytes) => bytes === undefined)) throw new Error("store alone: a chunk is missing");
    }
    if (r > 0) times.push(performance.now() - started); // round 0 warms the connections
  }
  times.sort((a, b) => a - b);
  return { wave, wall: times[Math.floor(times.length / 2)] };
}

function sameFloats(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
