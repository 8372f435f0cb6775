/**
 * Codecs that use Node's own zlib where it has one. zarrita 0.7 decodes
 * gzip and zlib through `DecompressionStream` and cannot encode them;
 * `gunzipSync` is about 2.4× faster and encodes too. zstd is native only on
 * Node ≥ 22.15 (`zlib.zstdCompressSync`): feature-detected, with numcodecs'
 * WASM build as the fallback.
 */
import * as zlib from "node:zlib";
import { decodeInto, encodeInto } from "./zlib-into.js";

type Level = { level?: unknown };
type ChunkMeta = { shape?: number[]; dataType?: string } | undefined;

function levelOf(config: Level, fallback: number): number {
  return typeof config.level === "number" ? config.level : fallback;
}

const BYTES_PER_ELEMENT: Record<string, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8 };

/**
 * zlib's output buffer size for a chunk: its decoded size, so inflating
 * fills one buffer instead of 16 KiB pieces that are concatenated after.
 * A hint only: a wrong guess costs speed, never correctness.
 */
function outputHint(meta: ChunkMeta): number {
  const size = (meta?.shape ?? []).reduce((a, b) => a * b, 1) * (BYTES_PER_ELEMENT[meta?.dataType ?? ""] ?? 1);
  return Math.min(Math.max(size, 64 * 1024), 256 * 1024 * 1024);
}

/** An output buffer for encoding `size` bytes that any frame fits: at least ZSTD_compressBound (size + size/256 + 64 for small inputs), which also bounds deflate's output. */
export function encodeHint(size: number): number {
  return Math.min(size + (size >> 8) + 1024, 2 ** 30);
}

/** numcodecs "gzip" / v3 "gzip": a gzip member, as Python's gzip module writes. */
export class NodeGzipCodec {
  readonly kind = "bytes_to_bytes";
  constructor(
    private readonly level: number,
    private readonly chunkSize: number,
  ) {}
  static fromConfig(config: Level, meta?: ChunkMeta): NodeGzipCodec {
    return new NodeGzipCodec(levelOf(config, 1), outputHint(meta));
  }
  encode(bytes: Uint8Array): Uint8Array {
    return zlib.gzipSync(bytes, { level: this.level });
  }
  /** Into the caller's buffer (any deflate stream of the input fits ZSTD_compressBound), else as `encode`. */
  encodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return encodeInto("gzip", bytes, into, this.level, 16 * 1024);
  }
  decode(bytes: Uint8Array): Uint8Array {
    return zlib.gunzipSync(bytes, { chunkSize: this.chunkSize });
  }
  /** Into the caller's buffer when it holds the output with INTO_SLACK to spare (zlib-into.ts). */
  decodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return decodeInto("gzip", bytes, into, this.chunkSize);
  }
}

/** numcodecs "zlib": a zlib stream (RFC 1950). */
export class NodeZlibCodec {
  readonly kind = "bytes_to_bytes";
  constructor(
    private readonly level: number,
    private readonly chunkSize: number,
  ) {}
  static fromConfig(config: Level, meta?: ChunkMeta): NodeZlibCodec {
    return new NodeZlibCodec(levelOf(config, 1), outputHint(meta));
  }
  encode(bytes: Uint8Array): Uint8Array {
    return zlib.deflateSync(bytes, { level: this.level });
  }
  encodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return encodeInto("zlib", bytes, into, this.level, 16 * 1024);
  }
  decode(bytes: Uint8Array): Uint8Array {
    return zlib.inflateSync(bytes, { chunkSize: this.chunkSize });
  }
  decodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return decodeInto("zlib", bytes, into, this.chunkSize);
  }
}

type NativeZstd = {
  zstdCompressSync(bytes: Uint8Array, options: { params: Record<number, number>; chunkSize: number }): Uint8Array;
  zstdDecompressSync(bytes: Uint8Array, options: { chunkSize: number }): Uint8Array;
  constants: { ZSTD_c_compressionLevel: number };
};

/** Node's zstd binding, or undefined before Node 22.15. */
export const nativeZstd: NativeZstd | undefined =
  typeof (zlib as unknown as Partial<NativeZstd>).zstdDecompressSync === "function"
    ? (zlib as unknown as NativeZstd)
    : undefined;

/**
 * zstd through node:zlib. Decoding with `chunkSize` = the decoded chunk
 * size fills one buffer instead of 64 KiB pieces joined after (one 4 MiB
 * copy and 64 allocations less per chunk; bench/zarr-codecs.mjs measures
 * it). Encoding gets an output buffer that holds any frame of its input
 * (`ZSTD_compressBound`): zstd then compresses in one pass, as a one-shot
 * `ZSTD_compress` (numcodecs) does, and nothing is joined from 16 KiB
 * pieces: 479 → 579 MB/s at level 3 on Node 24.22 in a quiet run, 394 → 417
 * in a loaded one (bench/zarr-codecs.mjs).
 * The frames differ in bytes from the piecewise ones, and are as valid.
 * (`pledgedSrcSize` changes nothing: the frames are byte-identical.)
 */
export class NodeZstdCodec {
  readonly kind = "bytes_to_bytes";
  constructor(
    private readonly native: NativeZstd,
    private readonly level: number,
    private readonly chunkSize: number,
  ) {}
  static fromConfig(config: Level, meta?: ChunkMeta): NodeZstdCodec {
    return new NodeZstdCodec(nativeZstd!, levelOf(config, 1), outputHint(meta));
  }
  encode(bytes: Uint8Array): Uint8Array {
    return this.native.zstdCompressSync(bytes, { chunkSize: encodeHint(bytes.byteLength), params: { [this.native.constants.ZSTD_c_compressionLevel]: this.level } });
  }
  /** Into the caller's buffer (ZSTD_compressBound of the input and INTO_SLACK: the one pass `encode` makes), else as `encode`. */
  encodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return encodeInto("zstd", bytes, into, this.level, encodeHint(bytes.byteLength));
  }
  decode(bytes: Uint8Array): Uint8Array {
    return this.native.zstdDecompressSync(bytes, { chunkSize: this.chunkSize });
  }
  decodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array {
    return decodeInto("zstd", bytes, into, this.chunkSize);
  }
}
