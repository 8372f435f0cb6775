// What writing into fresh memory costs, against writing into memory already
// touched: the page faults every read pays once per output page (Linux maps
// a SharedArrayBuffer's pages on first write, 4 KiB at a time unless
// transparent huge pages are "always"; V8 does not ask for huge pages).
// Two worker threads copy 4 MiB blocks row by row into a shared output,
// as a read does; medians of 5, alternating fresh and pre-touched outputs.
//
//   node bench/first-touch.mjs [MiB=256]
import { readFileSync } from "node:fs";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const ROW = 256;
if (!isMainThread) {
  const out = new Float32Array(workerData.sab);
  const rows = out.length / ROW;
  const block = new Float32Array(16 * ROW * ROW).fill(1);
  // Worker w takes every other 4 MiB block of rows, 1 KiB at a time.
  for (let r = workerData.w * 4096; r < rows; r += 8192) {
    for (let k = 0; k < 4096 && r + k < rows; k++) out.set(block.subarray(k * ROW, (k + 1) * ROW), (r + k) * ROW);
  }
  parentPort.postMessage(0);
} else {
  const mib = Number(process.argv[2] ?? 256);
  const thp = readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8").trim();
  const copy = (sab) => Promise.all([0, 1].map((w) => new Promise((done) => new Worker(new URL(import.meta.url), { workerData: { sab, w } }).on("message", done))));
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const runs = { fresh: [], touched: [] };
  for (let r = 0; r < 5; r++) {
    for (const kind of ["fresh", "touched"]) {
      const sab = new SharedArrayBuffer(mib * 2 ** 20);
      if (kind === "touched") new Uint8Array(sab).fill(0);
      const c = cpuMs();
      await copy(sab);
      runs[kind].push(cpuMs() - c);
    }
  }
  const median = (xs) => xs.sort((a, b) => a - b)[2];
  const [fresh, touched] = [median(runs.fresh), median(runs.touched)];
  console.log(`${mib} MiB, Node ${process.version}, transparent huge pages: ${thp}`);
  console.log(`CPU to copy into fresh memory ${fresh.toFixed(0)} ms, into touched memory ${touched.toFixed(0)} ms (medians of 5, workers' start included in both)`);
  console.log(`first touch: ${(fresh - touched).toFixed(0)} ms of CPU, ${(((fresh - touched) / mib) * 1024).toFixed(0)} ms per GiB`);
}
