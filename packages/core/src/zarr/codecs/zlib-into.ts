/**
 * node:zlib decoding into a buffer the caller owns and reuses.
 *
 * `zlib.zstdDecompressSync` and `gunzipSync` always return fresh memory:
 * each chunk of a read then costs a chunk-sized allocation, its page
 * faults, and external memory for V8 to collect (bench/read-floor.mjs puts
 * that near a third of a zstd read's CPU). Node has no public "decode into
 * this buffer". Its synchronous decode, though, is a loop that fills the
 * engine's `_outBuffer` up to `_chunkSize` and returns a view of it when
 * one buffer held the whole output (lib/zlib.js `processChunkSync`, the
 * same in Node 20, 22 and 24). Handing the engine the caller's buffer as
 * `_outBuffer` gives that view.
 *
 * These are Node's internals, so nothing here is trusted blindly:
 * - a self-test at load decodes a known frame of each kind and checks that
 *   the result is the right bytes in the caller's buffer; if any of that
 *   does not hold on this Node, the public call is used instead;
 * - whatever comes back is the decoded data whether or not it is in `into`:
 *   output larger than `into` makes Node allocate and join as usual, and the
 *   pipeline's size check refuses such a chunk anyway.
 *
 * `into` must be longer than the output it should hold (`INTO_SLACK` more is
 * enough): when the output fills it exactly, Node allocates a second buffer
 * of `_chunkSize` to look for more.
 *
 * Encoding works the same way (`encodeInto`): a chunk's frame lands in a
 * buffer the writer reuses once the frame is stored, instead of a fresh
 * ZSTD_compressBound-sized one per chunk, held until V8 collects it.
 */
import * as zlib from "node:zlib";

/** Bytes a decode buffer needs beyond the decoded size (see above). */
export const INTO_SLACK = 64;

export type ZlibKind = "zstd" | "gzip" | "zlib";

interface Engine {
  _outBuffer: Buffer;
  _outOffset: number;
  _chunkSize: number;
  readonly _finishFlushFlag: number;
  _processChunk(chunk: Uint8Array, flushFlag: number): Buffer;
}

type EngineCtor = new (options: { chunkSize: number; level?: number; params?: Record<number, number> }) => Engine;

const engines: Partial<Record<ZlibKind, EngineCtor>> = {
  gzip: zlib.Gunzip as unknown as EngineCtor,
  zlib: zlib.Inflate as unknown as EngineCtor,
  zstd: (zlib as unknown as { ZstdDecompress?: EngineCtor }).ZstdDecompress,
};

const publicDecode: Record<ZlibKind, ((bytes: Uint8Array, options: { chunkSize: number }) => Uint8Array) | undefined> = {
  gzip: zlib.gunzipSync,
  zlib: zlib.inflateSync,
  zstd: (zlib as unknown as { zstdDecompressSync?: (bytes: Uint8Array, options: { chunkSize: number }) => Uint8Array }).zstdDecompressSync,
};

function throughEngine(Ctor: EngineCtor, bytes: Uint8Array, into: Uint8Array, options: { level?: number; params?: Record<number, number> } = {}): Uint8Array {
  // The smallest buffer of its own (zlib's minimum chunk size); replaced before any use.
  const engine = new Ctor({ ...options, chunkSize: 64 });
  engine._outBuffer = Buffer.from(into.buffer, into.byteOffset, into.byteLength);
  engine._outOffset = 0;
  engine._chunkSize = into.byteLength;
  return engine._processChunk(bytes, engine._finishFlushFlag);
}

const compressors: Partial<Record<ZlibKind, EngineCtor>> = {
  gzip: zlib.Gzip as unknown as EngineCtor,
  zlib: zlib.Deflate as unknown as EngineCtor,
  zstd: (zlib as unknown as { ZstdCompress?: EngineCtor }).ZstdCompress,
};

type Encode = (bytes: Uint8Array, options: { chunkSize: number; level?: number; params?: Record<number, number> }) => Uint8Array;
const publicEncode: Record<ZlibKind, Encode | undefined> = {
  gzip: zlib.gzipSync as Encode,
  zlib: zlib.deflateSync as Encode,
  zstd: (zlib as unknown as { zstdCompressSync?: Encode }).zstdCompressSync,
};

const zstdLevelParam = (zlib.constants as unknown as { ZSTD_c_compressionLevel?: number }).ZSTD_c_compressionLevel;

function levelOptions(kind: ZlibKind, level: number): { level?: number; params?: Record<number, number> } {
  return kind === "zstd" ? { params: { [zstdLevelParam!]: level } } : { level };
}

const SAMPLE = new Uint8Array(4096).map((_, i) => (i * 7) % 251);

/** Whether `run` puts its output in the buffer it is given, and `back` makes the sample again of that output. */
function landsInBuffer(run: (into: Uint8Array) => Uint8Array, back: (out: Uint8Array) => Uint8Array): boolean {
  try {
    const into = new Uint8Array(SAMPLE.length * 2).fill(0xee);
    const out = run(into);
    const again = back(out);
    return out.buffer === into.buffer && out.byteOffset === into.byteOffset && again.length === SAMPLE.length && again.every((v, i) => v === SAMPLE[i]);
  } catch {
    return false;
  }
}

const KINDS: readonly ZlibKind[] = ["gzip", "zlib", "zstd"];

/** Per kind: encoding into a caller's buffer gives a frame, in that buffer, that decodes to its input. */
const encodable = Object.fromEntries(
  KINDS.map((kind) => {
    const Ctor = compressors[kind];
    const decode = publicDecode[kind];
    return [kind, Ctor !== undefined && decode !== undefined && landsInBuffer((into) => throughEngine(Ctor, SAMPLE, into, levelOptions(kind, 1)), (out) => decode(out, { chunkSize: 8192 }))];
  }),
) as Record<ZlibKind, boolean>;

/** Whether `encodeInto` really encodes into the given buffer for `kind` here. */
export function encodesInto(kind: ZlibKind): boolean {
  return encodable[kind];
}

/**
 * Encodes `bytes` at `level` into `into` when the frame fits with
 * INTO_SLACK to spare (give it ZSTD_compressBound of the input: any frame
 * fits), else, or where Node's internals differ, through the public call
 * with `chunkSize` as its buffer. The frame is the same either way: the
 * same engine, the same parameters, one pass.
 */
export function encodeInto(kind: ZlibKind, bytes: Uint8Array, into: Uint8Array | undefined, level: number, chunkSize: number): Uint8Array {
  const options = levelOptions(kind, level);
  if (into !== undefined && encodable[kind]) return throughEngine(compressors[kind]!, bytes, into, options);
  const encode = publicEncode[kind];
  if (encode === undefined) throw new Error(`node:zlib has no ${kind} encoder in Node ${process.versions.node}`);
  return encode(bytes, { ...options, chunkSize });
}

/** Per kind: decoding into a caller's buffer gives the right bytes, in that buffer. */
const usable = Object.fromEntries(
  KINDS.map((kind) => {
    const Ctor = engines[kind];
    const encode = publicEncode[kind];
    return [kind, Ctor !== undefined && encode !== undefined && landsInBuffer((into) => throughEngine(Ctor, encode(SAMPLE, { ...levelOptions(kind, 1), chunkSize: 8192 }), into), (out) => out)];
  }),
) as Record<ZlibKind, boolean>;

/** Whether `decodeInto` really decodes into the given buffer for `kind` here (benchmarks, tests). */
export function decodesInto(kind: ZlibKind): boolean {
  return usable[kind];
}

/**
 * Decodes `bytes` (a whole zstd frame, gzip member or zlib stream), into
 * `into` when the output fits with INTO_SLACK to spare; else, or where
 * Node's internals differ, into fresh memory. Throws zlib's own errors.
 * `chunkSize` is the fresh buffer's size hint when `into` is not used.
 */
export function decodeInto(kind: ZlibKind, bytes: Uint8Array, into: Uint8Array | undefined, chunkSize: number): Uint8Array {
  const decode = publicDecode[kind];
  if (decode === undefined) throw new Error(`node:zlib has no ${kind} decoder in Node ${process.versions.node}`);
  if (into === undefined || !usable[kind]) return decode(bytes, { chunkSize });
  return throughEngine(engines[kind]!, bytes, into);
}
