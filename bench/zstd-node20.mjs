// Native zstd packages from the npm registry that install on Node 20 without
// a node-gyp build (their binaries ship as per-platform npm packages), beside
// numcodecs' WASM zstd that parazarr uses there, on a 4 MiB chunk of the
// benchmark field at level 3. Interleaved rounds, medians of 7. The packages
// are installed outside the repository (nothing of the project depends on them):
//
//   npm install --prefix /tmp/zstd20 --no-save @mongodb-js/zstd@1.2.2 @toondepauw/node-zstd@2.0.0
//   node bench/zstd-node20.mjs /tmp/zstd20
import { createRequire } from "node:module";
import { join } from "node:path";
import Zstd from "numcodecs/zstd";
import { field, MB } from "./zarr-common.mjs";

const prefix = process.argv[2] ?? "/tmp/zstd20";
const require = createRequire(join(prefix, "node_modules", "x.js"));
const raw = Buffer.from(field(0, 4).buffer, 0, 4 * 1024 * 1024);
const wasm = new Zstd(3);
const frame = Buffer.from(await wasm.encode(raw));
const variants = [
  ["decode: numcodecs WASM (parazarr on Node < 22.15)", () => wasm.decode(frame)],
  ["encode: numcodecs WASM, level 3", () => wasm.encode(raw)],
];
for (const [name, make] of [
  ["@toondepauw/node-zstd", (m) => {
    const d = new m.Decoder();
    const e = new m.Encoder(3);
    return [["decode: @toondepauw/node-zstd decodeSync", () => d.decodeSync(frame)], ["encode: @toondepauw/node-zstd encodeSync, level 3", () => e.encodeSync(raw)]];
  }],
  ["@mongodb-js/zstd", (m) => [["decode: @mongodb-js/zstd decompress (async, libuv pool)", () => m.decompress(frame)], ["encode: @mongodb-js/zstd compress, level 3", () => m.compress(raw, 3)]]],
]) {
  try {
    variants.push(...make(require(name)));
  } catch (e) {
    console.log(`${name}: not installed under ${prefix} (${e.code ?? e.message})`);
  }
}
const samples = variants.map(() => []);
for (const [, fn] of variants) await fn();
for (let r = 0; r < 7; r++) {
  for (let v = 0; v < variants.length; v++) {
    const t = performance.now();
    for (let i = 0; i < 4; i++) await variants[v][1]();
    samples[v].push((raw.length * 4) / MB / ((performance.now() - t) / 1000));
  }
}
console.log(`4 MiB float32 chunk, Node ${process.version}, one core, medians of 7`);
variants.forEach(([label], v) => console.log(`  ${label.padEnd(58)} ${samples[v].sort((a, b) => a - b)[3].toFixed(0).padStart(5)} MB/s`));
