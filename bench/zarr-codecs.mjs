// Codec paths on one core: what each decoder (and encoder) reaches on a
// 4 MiB chunk of the benchmark field. parazarr uses Node's zlib for gzip and
// zlib, node:zlib zstd where Node has it (≥ 22.15), numcodecs WASM otherwise.
//
//   npm run build && node bench/zarr-codecs.mjs [reps=20]
import * as zlib from "node:zlib";
import Zstd from "numcodecs/zstd";
import Blosc from "numcodecs/blosc";
import GZip from "numcodecs/gzip";
import { field, MB } from "./zarr-common.mjs";

const reps = Number(process.argv[2] ?? 20);
const raw = new Uint8Array(field(0, 4).buffer).subarray(0, 4 * 1024 * 1024);
const size = raw.byteLength;

async function rate(label, fn) {
  await fn();
  const samples = [];
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let r = 0; r < reps; r++) await fn();
    samples.push((size * reps) / MB / ((performance.now() - t) / 1000));
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(46)} ${samples[2].toFixed(0).padStart(5)} MB/s (median of 5)`);
  return samples[2];
}

/** zarrita 0.7's gzip decoder: DecompressionStream through a Response. */
async function decompressionStream(bytes, format) {
  const stream = new Response(bytes.slice()).body.pipeThrough(new DecompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

console.log(`4 MiB float32 chunk of the benchmark field, Node ${process.version}`);
const gz = zlib.gzipSync(raw, { level: 1 });
const webGzip = await rate("gzip decode: DecompressionStream (zarrita)", () => decompressionStream(gz, "gzip"));
await rate("gzip decode: fflate (numcodecs/gzip)", () => new GZip(1).decode(gz));
const nodeGzip = await rate("gzip decode: zlib.gunzipSync (parazarr)", () => zlib.gunzipSync(gz, { chunkSize: size }));
console.log(`  → gunzipSync / DecompressionStream: ${(nodeGzip / webGzip).toFixed(2)}×`);
await rate("gzip encode: zlib.gzipSync level 1 (parazarr)", () => zlib.gzipSync(raw, { level: 1 }));
await rate("gzip encode: fflate level 1 (numcodecs/gzip)", () => new GZip(1).encode(raw));

const deflated = zlib.deflateSync(raw, { level: 1 });
await rate("zlib decode: DecompressionStream (zarrita)", () => decompressionStream(deflated, "deflate"));
await rate("zlib decode: zlib.inflateSync (parazarr)", () => zlib.inflateSync(deflated, { chunkSize: size }));

const zstd = new Zstd(1);
const zstdBytes = await zstd.encode(raw);
await rate("zstd decode: numcodecs WASM", () => zstd.decode(zstdBytes));
await rate("zstd encode: numcodecs WASM level 1", () => zstd.encode(raw));
if (typeof zlib.zstdDecompressSync === "function") {
  await rate("zstd decode: node:zlib (Node ≥ 22.15)", () => zlib.zstdDecompressSync(zstdBytes));
} else {
  console.log(`zstd decode: node:zlib                          not in Node ${process.version} (needs ≥ 22.15): WASM is used`);
}

const blosc = new Blosc(5, "lz4", 1, 0);
const bloscBytes = await blosc.encode(raw);
await rate("blosc lz4+shuffle decode: numcodecs WASM", () => blosc.decode(bloscBytes));
await rate("blosc lz4+shuffle encode: numcodecs WASM", () => blosc.encode(raw));
console.log(`compressed sizes: gzip ${(gz.length / size).toFixed(2)}, zstd ${(zstdBytes.length / size).toFixed(2)}, blosc ${(bloscBytes.length / size).toFixed(2)} of raw`);

// Issue 14: the options of node:zlib's zstd, and blosc's frame around native
// codecs against numcodecs' WASM, on a 4 MiB chunk at the levels of
// bench/speed.mjs (zstd 3, blosc zstd 3 + shuffle). Variants of one
// operation run interleaved, round after round; medians of 7.
const { BloscCodec } = await import("../packages/core/dist/zarr/codecs/blosc.js");

async function compare(title, variants, rounds = 7) {
  const samples = variants.map(() => []);
  for (const [, fn] of variants) await fn();
  for (let r = 0; r < rounds; r++) {
    for (let v = 0; v < variants.length; v++) {
      const t = performance.now();
      for (let i = 0; i < 4; i++) await variants[v][1]();
      samples[v].push((size * 4) / MB / ((performance.now() - t) / 1000));
    }
  }
  console.log(title);
  variants.forEach(([label], v) => {
    const sorted = samples[v].sort((a, b) => a - b);
    console.log(`  ${label.padEnd(52)} ${sorted[Math.floor(rounds / 2)].toFixed(0).padStart(5)} MB/s (median of ${rounds})`);
  });
}

if (typeof zlib.zstdDecompressSync === "function") {
  const P = zlib.constants.ZSTD_c_compressionLevel;
  const z3 = zlib.zstdCompressSync(raw, { params: { [P]: 3 } });
  await compare("zstd level 3 decode, node:zlib", [
    ["default options", () => zlib.zstdDecompressSync(z3)],
    ["chunkSize = decoded size (parazarr)", () => zlib.zstdDecompressSync(z3, { chunkSize: size })],
  ]);
  await compare("zstd level 3 encode, node:zlib", [
    ["default options", () => zlib.zstdCompressSync(raw, { params: { [P]: 3 } })],
    ["chunkSize = ZSTD_compressBound (parazarr)", () => zlib.zstdCompressSync(raw, { chunkSize: size + (size >> 8) + 1024, params: { [P]: 3 } })],
    ["numcodecs WASM", () => new Zstd(3).encode(raw)],
  ]);
}
const bloscConfig = { cname: "zstd", clevel: 3, shuffle: 1, blocksize: 0 };
const wasmBlosc = Blosc.fromConfig(bloscConfig);
const nativeBlosc = BloscCodec.fromConfig(bloscConfig, { dataType: "float32" });
const framed = await wasmBlosc.encode(raw);
await compare(`blosc zstd-3 shuffle decode (a frame numcodecs wrote), Node ${process.version}`, [
  ["numcodecs WASM", () => wasmBlosc.decode(framed)],
  ["parazarr (frame in JS, native zstd where Node has it)", () => nativeBlosc.decode(framed)],
]);
await compare(`blosc zstd-3 shuffle encode, Node ${process.version}`, [
  ["numcodecs WASM", () => wasmBlosc.encode(raw)],
  ["parazarr (frame in JS, native zstd where Node has it)", () => nativeBlosc.encode(raw)],
]);
