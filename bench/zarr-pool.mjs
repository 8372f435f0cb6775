// The yardstick for bench/zarr-read.mjs: a hand-written pool of two worker
// threads that read and decode the chunk files of the data set straight
// into a SharedArrayBuffer, with no scheduler, no planning, no tasks. The
// issue measured such a pool at 2.0–3.0× zarrita's `get`; parazarr should
// come close to it, whatever the machine's load does to both.
import { readFile } from "node:fs/promises";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import * as zlib from "node:zlib";

const SIDE = 1024;
const CHUNK = [16, 256, 256];

/** Reads the whole array at `root/field` with `threads` workers; resolves with the output. */
export async function poolRead(root, codec, depth, threads = 2) {
  const out = new Float32Array(new SharedArrayBuffer(depth * SIDE * SIDE * 4));
  const keys = [];
  for (let z = 0; z < depth / CHUNK[0]; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) keys.push([z, y, x]);
  await Promise.all(
    Array.from({ length: threads }, (_, k) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: { root, codec, out, keys: keys.filter((_, i) => i % threads === k) } });
        worker.once("message", () => worker.terminate().then(resolve));
        worker.once("error", reject);
      }),
    ),
  );
  return out;
}

async function decoderFor(codec) {
  if (codec === "gzip") return (bytes) => zlib.gunzipSync(bytes, { chunkSize: 4 << 20 });
  const Codec = (await import(codec === "zstd" ? "numcodecs/zstd" : "numcodecs/blosc")).default;
  const instance = codec === "zstd" ? Codec.fromConfig({ level: 1 }) : Codec.fromConfig({ cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
  return (bytes) => instance.decode(bytes);
}

if (!isMainThread) {
  const { root, codec, out, keys } = workerData;
  const decode = await decoderFor(codec);
  const keyOf = ([z, y, x]) => (codec === "zstd" ? `c/${z}/${y}/${x}` : `${z}.${y}.${x}`);
  for (const key of keys) {
    const bytes = await decode(await readFile(`${root}/field/${keyOf(key)}`));
    const chunk = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const [z0, y0, x0] = [key[0] * CHUNK[0], key[1] * CHUNK[1], key[2] * CHUNK[2]];
    for (let z = 0; z < CHUNK[0]; z++)
      for (let y = 0; y < CHUNK[1]; y++) {
        const from = (z * CHUNK[1] + y) * CHUNK[2];
        out.set(chunk.subarray(from, from + CHUNK[2]), ((z0 + z) * SIDE + y0 + y) * SIDE + x0);
      }
  }
  parentPort.postMessage("done");
}
