/**
 * Which implementation decodes (and encodes) each codec name. parazarr's own
 * choices come first, then zarrita's registry. We do not write into
 * zarrita's registry: a program that also uses zarrita directly keeps
 * zarrita's behaviour (and a benchmark baseline stays honest).
 */
import { registry as zarritaRegistry } from "zarrita";
import { loadBlosc } from "./blosc.js";
import { NodeGzipCodec, NodeZlibCodec, NodeZstdCodec, nativeZstd } from "./native.js";

/** A codec class as zarrita's registry holds it: `fromConfig(config, chunkMeta)` builds one. */
export interface CodecFactory {
  fromConfig(configuration: unknown, meta: unknown): unknown;
  kind?: "array_to_array" | "array_to_bytes" | "bytes_to_bytes";
}

export type CodecLoader = () => Promise<CodecFactory>;

const own = new Map<string, CodecLoader>();

const gzip: CodecLoader = async () => NodeGzipCodec;
const zlib: CodecLoader = async () => NodeZlibCodec;
const blosc: CodecLoader = async () => (await loadBlosc()) as CodecFactory;
for (const prefix of ["", "numcodecs."]) {
  own.set(`${prefix}gzip`, gzip);
  own.set(`${prefix}zlib`, zlib);
  own.set(`${prefix}blosc`, blosc);
  if (nativeZstd !== undefined) own.set(`${prefix}zstd`, async () => NodeZstdCodec);
}

/**
 * Registers a codec under `name` (as it appears in metadata: "mycodec" in
 * v3, "numcodecs.mycodec" for a v2 `id`). Workers need it too: call this in
 * a module that your task modules import, or register it in zarrita's
 * registry before the first read.
 */
export function registerCodec(name: string, loader: CodecLoader): void {
  own.set(name, loader);
}

export function findCodec(name: string): CodecLoader | undefined {
  return own.get(name) ?? (zarritaRegistry.get(name) as CodecLoader | undefined);
}

/** Which implementation serves zstd in this process, for benchmarks and logs. */
export function zstdImplementation(): "node:zlib" | "numcodecs-wasm" {
  return nativeZstd === undefined ? "numcodecs-wasm" : "node:zlib";
}
