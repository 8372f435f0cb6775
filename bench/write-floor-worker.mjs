// One thread of bench/speed.mjs's write floor: the least a parazarr write of
// the field does, with no scheduler, no tasks, no messages per chunk. It
// cuts its share of the chunks (every other one) out of the field in shared
// memory, encodes each with parazarr's own pipeline (into a reused buffer,
// as writeRegion's tasks do), takes the receipt's sha256 of the frame, and
// stores it as the file store does: a temporary, then rename.
import { createHash } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { open } from "@parazarr/core";
import { getPipeline } from "../packages/core/dist/zarr/codecs/pipeline.js";
import { chunkKey } from "../packages/core/dist/zarr/array.js";
import { copyBlock, cStrides, flatIndex } from "../packages/core/dist/zarr/ndcopy.js";

const { field, out, index } = workerData;
const array = await open(`file://${out}`);
const pipeline = await getPipeline(array);
const data = new Float32Array(field);
const stride = cStrides(array.shape);
const chunkStride = cStrides(array.chunks);
const block = new Float32Array(array.chunks.reduce((a, b) => a * b, 1));
const frame = pipeline.encodesIntoScratch ? new Uint8Array(pipeline.encodedCapacity) : undefined;
const grid = array.shape.map((n, d) => Math.ceil(n / array.chunks[d]));
// Warm, as every timed call is: the codec loaded and run once.
await pipeline.encode({ data: block, shape: array.chunks, stride: chunkStride }, frame);
parentPort.postMessage("ready");
parentPort.once("message", async () => {
  let k = 0;
  for (let i = 0; i < grid[0]; i++) for (let j = 0; j < grid[1]; j++) for (let l = 0; l < grid[2]; l++) {
    if (k++ % 2 !== index) continue;
    const at = [i, j, l].map((x, d) => x * array.chunks[d]);
    copyBlock({ data, offset: flatIndex(at, stride), stride }, { data: block, offset: 0, stride: chunkStride }, array.chunks);
    const bytes = await pipeline.encode({ data: block, shape: array.chunks, stride: chunkStride }, frame);
    createHash("sha256").update(bytes).digest("hex");
    // A Zarr v2 array's chunk keys name files directly in its folder, which create() made.
    const file = join(out, chunkKey(array, [i, j, l]));
    writeFileSync(`${file}.partial`, bytes);
    renameSync(`${file}.partial`, file);
  }
  parentPort.postMessage("done");
});
