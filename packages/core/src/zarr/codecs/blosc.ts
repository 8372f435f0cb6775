/**
 * Blosc. Frames whose inner codec Node has natively (zlib everywhere, zstd
 * on Node ≥ 22.15) are read and written by blosc-frame.ts around node:zlib;
 * everything else (lz4, blosclz, bitshuffle, zstd on older Node) goes
 * through numcodecs' WASM build (0.3.2), loaded only when first needed.
 * Pitfalls of that build handled here:
 * - v3 metadata spells `shuffle` as a string ("shuffle", "bitshuffle",
 *   "noshuffle"); numcodecs takes a number and reads a string as "no
 *   shuffle" without a word. Translated here.
 * - it ignores the element size: it always compresses with typesize 4.
 *   Decoding reads the typesize from the blosc header, so data written by
 *   anyone decodes right; only the ratio for other types suffers. The
 *   native path writes the element's own size, as c-blosc does.
 */
import type { Codec } from "numcodecs";
import { decodeFrame, encodeFrame, readsNatively, writesNatively, type FrameOptions } from "./blosc-frame.js";

const SHUFFLES: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };
const BYTES_PER_ELEMENT: Record<string, number> = { int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, int64: 8, uint64: 8, float64: 8 };

interface BloscConfig {
  cname?: unknown;
  clevel?: unknown;
  shuffle?: unknown;
  blocksize?: unknown;
  typesize?: unknown;
}

export function bloscShuffleNumber(shuffle: unknown): number {
  if (typeof shuffle === "number") return shuffle;
  if (typeof shuffle === "string" && shuffle in SHUFFLES) return SHUFFLES[shuffle]!;
  return 1;
}

type WasmBlosc = { fromConfig(config: Record<string, unknown>): Codec };
let wasm: Promise<WasmBlosc> | undefined;
const loadWasm = () => (wasm ??= import("numcodecs/blosc").then((m) => m.default as unknown as WasmBlosc));

export class BloscCodec {
  readonly kind = "bytes_to_bytes";
  private wasmCodec: Promise<Codec> | undefined;
  constructor(private readonly options: FrameOptions) {}

  static fromConfig(config: BloscConfig, meta?: { dataType?: string }): BloscCodec {
    const itemsize = BYTES_PER_ELEMENT[meta?.dataType ?? ""] ?? 1;
    let shuffle = bloscShuffleNumber(config.shuffle);
    // numcodecs' AUTOSHUFFLE: bit shuffle for 1-byte elements, byte shuffle otherwise.
    if (shuffle === -1) shuffle = itemsize === 1 ? 2 : 1;
    return new BloscCodec({
      cname: typeof config.cname === "string" ? config.cname : "lz4",
      clevel: typeof config.clevel === "number" ? config.clevel : 5,
      shuffle,
      typesize: typeof config.typesize === "number" ? config.typesize : itemsize,
      blocksize: typeof config.blocksize === "number" ? config.blocksize : 0,
    });
  }

  encode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (writesNatively(this.options.cname, this.options.shuffle)) return encodeFrame(bytes, this.options);
    return this.wasmBlosc().then((codec) => codec.encode(bytes));
  }

  decode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
    return this.decodeInto(bytes);
  }

  /** As `decode`, into the caller's `into` where the frame is read here and has its size (see pipeline.ts). */
  decodeInto(bytes: Uint8Array, into?: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (readsNatively(bytes)) return decodeFrame(bytes, into);
    return this.wasmBlosc().then((codec) => codec.decode(bytes));
  }

  private wasmBlosc(): Promise<Codec> {
    const { cname, clevel, shuffle, blocksize } = this.options;
    return (this.wasmCodec ??= loadWasm().then((Blosc) => Blosc.fromConfig({ cname, clevel, shuffle, blocksize })));
  }
}
