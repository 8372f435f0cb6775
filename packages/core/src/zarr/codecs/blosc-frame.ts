/**
 * The Blosc 1 frame (what numcodecs and zarr-python write, c-blosc 1.21),
 * read and written in JS around Node's own zstd and zlib, so that the
 * inner codec runs native instead of numcodecs' WASM build.
 *
 *   16-byte header: version (2), codec format version, flags, typesize,
 *                   nbytes, blocksize, cbytes (u32 little endian)
 *   bstarts:        one u32 offset per block (absent when MEMCPYED)
 *   each block:     1 or `typesize` streams, each a u32 length + its bytes;
 *                   a stream whose length equals its decoded size is stored raw
 *
 * flags: 0x1 byte shuffle, 0x2 MEMCPYED (the data follows the header as is),
 * 0x4 bit shuffle, 0x10 "don't split", bits 5–7 the codec (3 zlib, 4 zstd).
 * Only what is checked here is read here; anything else (bitshuffle, lz4,
 * blosclz, snappy, a later format version) goes to numcodecs (blosc.ts).
 * Block sizes and splits follow c-blosc's own choices (compute_blocksize,
 * split_block in its default FORWARD_COMPAT mode), so the frames we write
 * have the layout c-blosc would give them.
 */
import * as zlib from "node:zlib";
import { shuffle, unshuffle } from "./byte-shuffle.js";
import { encodeHint, nativeZstd } from "./native.js";
import { INTO_SLACK, decodeInto } from "./zlib-into.js";

const HEADER = 16;
const VERSION = 2;
const DOSHUFFLE = 0x1;
const MEMCPYED = 0x2;
const DOBITSHUFFLE = 0x4;
const DONT_SPLIT = 0x10;
const MIN_BUFFERSIZE = 128;
const MAX_SPLITS = 16;
const L1 = 32 * 1024;
// BLOSC_MAX_BLOCKSIZE: (INT_MAX − 255 · 4) / 3.
const MAX_BLOCKSIZE = Math.floor((2 ** 31 - 1 - 255 * 4) / 3);
const ZLIB_FORMAT = 3;
const ZSTD_FORMAT = 4;

/** A codec inside the frame: one stream in, exactly `size` bytes out. */
interface Inner {
  readonly format: number;
  /** Into `into` when it holds `size` with INTO_SLACK to spare (zlib-into.ts), else into fresh memory. */
  decode(stream: Uint8Array, size: number, into?: Uint8Array): Uint8Array;
  encode(stream: Uint8Array, clevel: number): Uint8Array;
}

const zlibInner: Inner = {
  format: ZLIB_FORMAT,
  decode: (stream, size, into) => decodeInto("zlib", stream, into, Math.max(size, 64)),
  encode: (stream, clevel) => zlib.deflateSync(stream, { level: clevel, chunkSize: encodeHint(stream.length) }),
};

// c-blosc's zstd_wrap_compress: blosc clevel c < 9 is zstd level 2c − 1, 8 is max − 2, 9 is max (22).
const zstdLevel = (clevel: number) => (clevel === 9 ? 22 : clevel === 8 ? 20 : clevel * 2 - 1);

const zstdInner: Inner | undefined = nativeZstd && {
  format: ZSTD_FORMAT,
  decode: (stream, size, into) => decodeInto("zstd", stream, into, Math.max(size, 64)),
  encode: (stream, clevel) =>
    nativeZstd!.zstdCompressSync(stream, { chunkSize: encodeHint(stream.length), params: { [nativeZstd!.constants.ZSTD_c_compressionLevel]: zstdLevel(clevel) } }),
};

const BY_FORMAT = new Map<number, Inner>([[ZLIB_FORMAT, zlibInner], ...(zstdInner ? [[ZSTD_FORMAT, zstdInner] as const] : [])]);
const BY_NAME = new Map<string, Inner>([["zlib", zlibInner], ...(zstdInner ? [["zstd", zstdInner] as const] : [])]);

const u32 = (bytes: Uint8Array, at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

function putU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

/** Whether this frame can be read here (else numcodecs reads it). */
export function readsNatively(frame: Uint8Array): boolean {
  if (frame.length < HEADER || frame[0] !== VERSION) return false;
  const flags = frame[2]!;
  if (flags & MEMCPYED) return true;
  return (flags & DOBITSHUFFLE) === 0 && (flags & 0x08) === 0 && BY_FORMAT.has(flags >>> 5);
}

/** Whether frames of this configuration can be written here. */
export function writesNatively(cname: string, shuffleMode: number): boolean {
  return BY_NAME.has(cname) && (shuffleMode === 0 || shuffleMode === 1);
}

class BloscFrameError extends Error {
  constructor(reason: string) {
    super(`blosc frame: ${reason}`);
  }
}

/**
 * Decodes a frame (one `readsNatively` accepts) into the start of `into`
 * when it is given and holds the decoded size, else into a new buffer.
 * Every byte of the result is written, so `into` may hold anything before.
 */
export function decodeFrame(frame: Uint8Array, into?: Uint8Array): Uint8Array {
  const flags = frame[2]!;
  const typesize = frame[3]!;
  const nbytes = u32(frame, 4);
  const blocksize = u32(frame, 8);
  const cbytes = u32(frame, 12);
  if (cbytes > frame.length || cbytes < HEADER) throw new BloscFrameError(`header says ${cbytes} bytes, the chunk has ${frame.length}`);
  const out = into !== undefined && into.length >= nbytes ? into.subarray(0, nbytes) : new Uint8Array(nbytes);
  if (flags & MEMCPYED) {
    if (nbytes + HEADER !== cbytes) throw new BloscFrameError(`a plain copy of ${nbytes} bytes in a frame of ${cbytes}`);
    out.set(frame.subarray(HEADER, HEADER + nbytes));
    return out;
  }
  if (nbytes === 0) return out;
  if (blocksize === 0) throw new BloscFrameError("block size 0");
  const inner = BY_FORMAT.get(flags >>> 5)!;
  const nblocks = Math.ceil(nbytes / blocksize);
  if (nblocks > (cbytes - HEADER) / 4) throw new BloscFrameError(`${nblocks} blocks do not fit in ${cbytes} bytes`);
  const doShuffle = (flags & DOSHUFFLE) !== 0 && typesize > 1;
  let scratch: Uint8Array | undefined;
  for (let j = 0; j < nblocks; j++) {
    const leftover = j === nblocks - 1 && nbytes % blocksize !== 0;
    const bsize = leftover ? nbytes % blocksize : blocksize;
    const dest = out.subarray(j * blocksize, j * blocksize + bsize);
    // c-blosc's blosc_d: the split rule of frames written before the flag existed.
    const split = !(flags & DONT_SPLIT) && typesize <= MAX_SPLITS && bsize / typesize >= MIN_BUFFERSIZE && !leftover;
    const start = u32(frame, HEADER + 4 * j);
    if (!split) {
      // One stream: unshuffled (or copied) straight from the decoder's buffer, no copy in between.
      const decoded = readStream(frame, cbytes, start, bsize, inner).bytes;
      if (doShuffle) unshuffle(typesize, decoded, dest);
      else dest.set(decoded);
      continue;
    }
    // c-blosc leaves the bytes past the last whole stream undefined here: refused, never read as data.
    if (bsize % typesize !== 0) throw new BloscFrameError(`a block of ${bsize} bytes split into ${typesize} streams`);
    const streams = doShuffle ? (scratch ??= new Uint8Array(blocksize)).subarray(0, bsize) : dest;
    const neblock = bsize / typesize;
    let at = start;
    for (let s = 0; s < typesize; s++) {
      const stream = readStream(frame, cbytes, at, neblock, inner);
      streams.set(stream.bytes, s * neblock);
      at = stream.end;
    }
    if (doShuffle) unshuffle(typesize, streams, dest);
  }
  return out;
}

// One block's decoded stream at a time (decodeFrame is synchronous), reused
// from block to block and chunk to chunk: a 4 MiB chunk of blosc zstd is 32
// blocks, each else a fresh 128 KiB buffer to fault in and collect. A block
// over KEPT_STREAM_BYTES (a frame written with a huge forced blocksize) gets
// a buffer of its own, not kept.
let streamScratch = new Uint8Array(0);
const KEPT_STREAM_BYTES = 64 * 1024 * 1024;

function scratchFor(size: number): Uint8Array {
  if (streamScratch.length >= size + INTO_SLACK) return streamScratch;
  const buffer = new Uint8Array(size + INTO_SLACK);
  if (buffer.length <= KEPT_STREAM_BYTES) streamScratch = buffer;
  return buffer;
}

/**
 * The stream at `at` (a u32 length, then its bytes), decoded to exactly
 * `size` bytes; `end` is where the next one starts. The bytes are valid
 * until the next call: a view of the frame, or of the reused scratch.
 */
function readStream(frame: Uint8Array, cbytes: number, at: number, size: number, inner: Inner): { bytes: Uint8Array; end: number } {
  if (at + 4 > cbytes) throw new BloscFrameError(`a stream starts at ${at}, past the frame's ${cbytes} bytes`);
  const length = u32(frame, at);
  at += 4;
  if (length > cbytes - at) throw new BloscFrameError(`a stream of ${length} bytes at ${at} runs past the frame's ${cbytes} bytes`);
  const stream = frame.subarray(at, at + length);
  const bytes = length === size ? stream : inner.decode(stream, size, scratchFor(size));
  if (bytes.length !== size) throw new BloscFrameError(`a stream decoded to ${bytes.length} bytes, expected ${size}`);
  return { bytes, end: at + length };
}

export interface FrameOptions {
  readonly cname: string;
  readonly clevel: number;
  readonly shuffle: number;
  readonly typesize: number;
  /** 0: c-blosc's automatic choice. */
  readonly blocksize: number;
}

export function encodeFrame(src: Uint8Array, options: FrameOptions): Uint8Array {
  const inner = BY_NAME.get(options.cname)!;
  const typesize = options.typesize > 255 || options.typesize < 1 ? 1 : options.typesize;
  const nbytes = src.length;
  const blocksize = computeBlocksize(inner.format, options.clevel, typesize, nbytes, options.blocksize);
  const split = splitBlock(inner.format, typesize, blocksize);
  let flags = (inner.format << 5) | (split ? 0 : DONT_SPLIT) | (options.shuffle === 1 ? DOSHUFFLE : 0);
  const frame = options.clevel === 0 || nbytes < MIN_BUFFERSIZE ? undefined : compressBlocks(src, inner, options.clevel, typesize, blocksize, split, flags);
  if (frame) return frame;
  flags |= MEMCPYED;
  const out = new Uint8Array(HEADER + nbytes);
  writeHeader(out, flags, typesize, nbytes, blocksize, HEADER + nbytes);
  out.set(src, HEADER);
  return out;
}

function writeHeader(out: Uint8Array, flags: number, typesize: number, nbytes: number, blocksize: number, cbytes: number): void {
  out[0] = VERSION;
  out[1] = 1; // the codec format version: 1 for zlib and zstd
  out[2] = flags;
  out[3] = typesize;
  putU32(out, 4, nbytes);
  putU32(out, 8, blocksize);
  putU32(out, 12, cbytes);
}

/** The compressed frame, or undefined when it would not be smaller than a plain copy (c-blosc then copies). */
function compressBlocks(src: Uint8Array, inner: Inner, clevel: number, typesize: number, blocksize: number, split: boolean, flags: number): Uint8Array | undefined {
  const nbytes = src.length;
  const nblocks = Math.ceil(nbytes / blocksize);
  const doShuffle = (flags & DOSHUFFLE) !== 0 && typesize > 1;
  const scratch = doShuffle ? new Uint8Array(blocksize) : undefined;
  const pieces: Uint8Array[] = [];
  const starts: number[] = [];
  let total = HEADER + 4 * nblocks;
  for (let j = 0; j < nblocks; j++) {
    const leftover = j === nblocks - 1 && nbytes % blocksize !== 0;
    const block = src.subarray(j * blocksize, j * blocksize + (leftover ? nbytes % blocksize : blocksize));
    const streams = scratch ? scratch.subarray(0, block.length) : block;
    if (scratch) shuffle(typesize, block, streams);
    const nsplits = split && !leftover ? typesize : 1;
    const neblock = Math.floor(block.length / nsplits);
    starts.push(total);
    for (let s = 0; s < nsplits; s++) {
      const stream = streams.subarray(s * neblock, (s + 1) * neblock);
      const packed = inner.encode(stream, clevel);
      // Stored raw when compressing did not help; a copy, since `scratch` is reused.
      const piece = packed.length === 0 || packed.length >= neblock ? stream.slice() : packed;
      pieces.push(piece);
      total += 4 + piece.length;
    }
    if (total > nbytes + HEADER) return undefined;
  }
  const out = new Uint8Array(total);
  writeHeader(out, flags, typesize, nbytes, blocksize, total);
  starts.forEach((start, j) => putU32(out, HEADER + 4 * j, start));
  let at = HEADER + 4 * nblocks;
  for (const piece of pieces) {
    putU32(out, at, piece.length);
    out.set(piece, at + 4);
    at += 4 + piece.length;
  }
  return out;
}

// c-blosc 1.21 split_block, BLOSC_FORWARD_COMPAT_SPLIT (its default): every codec but zstd splits.
function splitBlock(format: number, typesize: number, blocksize: number): boolean {
  return format !== ZSTD_FORMAT && typesize <= MAX_SPLITS && blocksize / typesize >= MIN_BUFFERSIZE;
}

// c-blosc 1.21 compute_blocksize; zlib and zstd are both "HCR" codecs there.
function computeBlocksize(format: number, clevel: number, typesize: number, nbytes: number, forced: number): number {
  if (nbytes < typesize) return 1;
  let blocksize = nbytes;
  if (forced) {
    blocksize = Math.min(Math.max(forced, MIN_BUFFERSIZE), MAX_BLOCKSIZE);
  } else if (nbytes >= L1) {
    blocksize = L1 * 2;
    const factor = [0.25, 0.5, 1, 2, 4, 4, 8, 8, 8, 16][clevel] ?? 1;
    blocksize *= factor;
  }
  if (clevel > 0 && splitBlock(format, typesize, blocksize)) {
    blocksize = Math.min(blocksize, 1 << 18) * typesize;
    blocksize = Math.min(Math.max(blocksize, 1 << 16), 1024 * 1024);
  }
  if (blocksize > nbytes) blocksize = nbytes;
  if (blocksize > typesize) blocksize = Math.floor(blocksize / typesize) * typesize;
  return blocksize;
}
