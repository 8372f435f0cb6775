/**
 * Encodes and decodes whole chunks with an array's codec list. It follows
 * zarrita 0.7's `createCodecPipeline` (array→array, array→bytes, then
 * bytes→bytes codecs), which zarrita does not export; zarrita has no public
 * per-chunk encode at all. Codec classes come from `findCodec`, so a worker
 * builds exactly the pipeline the caller checked.
 */
import type { CodecSpec, ZarrArray } from "../array.js";
import { bytesPerElement, type TypedArray } from "../dtype.js";
import { ChunkDecodeError, ChunkSizeError, MetadataError, UnknownCodecError } from "../errors.js";
import { product } from "../ndcopy.js";
import { effectiveFill } from "../fill-value.js";
import { findCodec, type CodecFactory } from "./registry.js";
import { encodeHint } from "./native.js";
import { INTO_SLACK } from "./zlib-into.js";

/** A chunk in memory: data with the chunk's full shape and its strides (C or F). */
export interface Chunk {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

interface ArrayCodec {
  encode(chunk: Chunk): Chunk | Promise<Chunk>;
  decode(chunk: Chunk): Chunk | Promise<Chunk>;
}
interface ArrayToBytesCodec {
  encode(chunk: Chunk): Uint8Array | Promise<Uint8Array>;
  decode(bytes: Uint8Array): Chunk | Promise<Chunk>;
}
interface BytesCodec {
  encode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decode(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Optional: encode into `into` when the frame fits (a codec of ours; native.ts). */
  encodeInto?(bytes: Uint8Array, into?: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Optional: decode into `into` when it fits (a codec of ours; blosc.ts). */
  decodeInto?(bytes: Uint8Array, into?: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export interface ChunkPipeline {
  /**
   * `scratch`, when given, is a buffer the caller owns until it is done with
   * the returned bytes (stored, hashed): the last codec may encode into it.
   * It needs `encodedCapacity` bytes.
   */
  encode(chunk: Chunk, scratch?: Uint8Array): Promise<Uint8Array>;
  /** Whether `encode` can use a `scratch` at all. */
  readonly encodesIntoScratch: boolean;
  /** The size of an encode `scratch`, and of a buffer any stored chunk fits (reads): ZSTD_compressBound of a whole chunk and INTO_SLACK. */
  readonly encodedCapacity: number;
  /**
   * `key` names the chunk in errors: a chunk of the wrong size is refused, not read.
   * `scratch`, when given, is a buffer the caller owns until it is done with the
   * returned chunk: the last codec may decode into it (the chunk then views it),
   * which saves allocating (and page-faulting, and collecting) a chunk's worth
   * of memory per chunk. Whatever `scratch` held before is overwritten or unused.
   */
  decode(bytes: Uint8Array, key: string, scratch?: Uint8Array): Promise<Chunk>;
  /** The decoded size of a whole chunk in bytes: a `scratch` needs this and INTO_SLACK more (zlib-into.ts). */
  readonly chunkBytes: number;
  /** Whether `decode` can use a `scratch` at all (else none need be made). */
  readonly decodesIntoScratch: boolean;
}

type Built = {
  arrayCodecs: ArrayCodec[];
  toBytes: ArrayToBytesCodec;
  bytesCodecs: BytesCodec[];
  /** Their names ("zstd"), for errors: node:zlib's zstd says "Unknown frame descriptor", not which codec. */
  bytesCodecNames: string[];
  /** The decoded size of a whole chunk, in bytes and in elements. */
  chunkBytes: number;
  chunkElements: number;
  /** Whether the encoded elements have the array's own dtype, so the serialised size is known before decoding. */
  sameDtype: boolean;
};

// Array→array codecs that keep the element type; others (cast_value,
// scale_offset, a delta with `astype`) change what the bytes codec sees.
const DTYPE_PRESERVING = new Set(["transpose", "bitround", "numcodecs.bitround"]);

async function build(array: ZarrArray): Promise<Built> {
  const meta = {
    dataType: array.dtype,
    shape: [...array.chunks],
    codecs: array.codecs,
    fillValue: effectiveFill(array.fillValue, array.dtype),
  };
  const arrayCodecs: ArrayCodec[] = [];
  const bytesCodecs: BytesCodec[] = [];
  const bytesCodecNames: string[] = [];
  let toBytes: ArrayToBytesCodec | undefined;
  const kinds: Array<string | undefined> = [];
  for (const spec of array.codecs) {
    const factory = await loadCodec(spec);
    const codec = fromConfig(factory, spec, meta);
    kinds.push(codec.kind);
    if (codec.kind === "array_to_array") arrayCodecs.push(codec as unknown as ArrayCodec);
    else if (codec.kind === "array_to_bytes") toBytes = codec as unknown as ArrayToBytesCodec;
    else {
      bytesCodecs.push(codec as unknown as BytesCodec);
      bytesCodecNames.push(spec.name);
    }
  }
  if (toBytes === undefined) {
    const factory = await loadCodec({ name: "bytes", configuration: { endian: "little" } });
    toBytes = factory.fromConfig({ endian: "little" }, meta) as ArrayToBytesCodec;
  }
  const chunkElements = product(array.chunks);
  const sameDtype = array.codecs.every((spec, i) => DTYPE_PRESERVING.has(spec.name) || kinds[i] !== "array_to_array");
  return { arrayCodecs, toBytes, bytesCodecs, bytesCodecNames, chunkBytes: chunkElements * bytesPerElement(array.dtype), chunkElements, sameDtype };
}

/** A codec's own refusal of its configuration (a plain Error from numcodecs) becomes a MetadataError naming the codec. */
function fromConfig(factory: CodecFactory, spec: CodecSpec, meta: unknown): { kind?: string } {
  try {
    return factory.fromConfig(spec.configuration, meta) as { kind?: string };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new MetadataError(
      `codec ${JSON.stringify(spec.name)}: invalid configuration ${JSON.stringify(spec.configuration)} (${reason})`,
      `codecs.${spec.name}`,
      { cause },
    );
  }
}

async function loadCodec(spec: CodecSpec) {
  const loader = findCodec(spec.name);
  if (loader === undefined) throw new UnknownCodecError(spec.name);
  return loader();
}

/** Throws UnknownCodecError (naming the codec) if any codec of the array cannot be loaded. */
export async function checkCodecs(array: ZarrArray): Promise<void> {
  await getPipeline(array);
}

// Per process (per worker thread): every task on the same array reuses one
// pipeline, and with it the loaded WASM modules.
const pipelines = new Map<string, Promise<ChunkPipeline>>();

export function getPipeline(array: ZarrArray): Promise<ChunkPipeline> {
  const id = JSON.stringify([array.dtype, array.chunks, array.codecs, typeof array.fillValue === "bigint" ? String(array.fillValue) : array.fillValue]);
  let pipeline = pipelines.get(id);
  if (pipeline === undefined) {
    pipeline = build(array).then(toPipeline);
    pipeline.catch(() => pipelines.delete(id));
    pipelines.set(id, pipeline);
  }
  return pipeline;
}

function toPipeline({ arrayCodecs, toBytes, bytesCodecs, bytesCodecNames, chunkBytes, chunkElements, sameDtype }: Built): ChunkPipeline {
  return {
    async encode(chunk, scratch) {
      for (const codec of arrayCodecs) chunk = await codec.encode(chunk);
      let bytes = await toBytes.encode(chunk);
      for (let i = 0; i < bytesCodecs.length; i++) {
        const codec = bytesCodecs[i]!;
        // Only the last step's bytes are what the caller stores.
        bytes = i === bytesCodecs.length - 1 && scratch && codec.encodeInto ? await codec.encodeInto(bytes, scratch) : await codec.encode(bytes);
      }
      return bytes;
    },
    encodesIntoScratch: sameDtype && bytesCodecs.at(-1)?.encodeInto !== undefined,
    encodedCapacity: encodeHint(chunkBytes) + INTO_SLACK,
    chunkBytes,
    decodesIntoScratch: sameDtype && bytesCodecs[0]?.decodeInto !== undefined,
    async decode(bytes, key, scratch) {
      for (let i = bytesCodecs.length - 1; i >= 0; i--) {
        const codec = bytesCodecs[i]!;
        try {
          // Only the last step yields the chunk's own bytes, and only when they keep the array's dtype is their size known.
          bytes = i === 0 && sameDtype && scratch && codec.decodeInto ? await codec.decodeInto(bytes, scratch) : await codec.decode(bytes);
        } catch (cause) {
          // numcodecs and node:zlib say what is wrong ("Unknown frame descriptor"), not which chunk or codec.
          throw new ChunkDecodeError(key, bytesCodecNames[i]!, cause);
        }
      }
      // The bytes codec views whatever it gets as elements: a truncated or
      // padded chunk would read as if it were fine, shifted or cut.
      if (sameDtype && bytes.byteLength !== chunkBytes) throw new ChunkSizeError(key, chunkBytes, bytes.byteLength);
      let chunk = await toBytes.decode(bytes);
      for (let i = arrayCodecs.length - 1; i >= 0; i--) chunk = await arrayCodecs[i]!.decode(chunk);
      // With a type-changing codec the size is only known now.
      if (chunk.data.length !== chunkElements) throw new ChunkSizeError(key, chunkBytes, chunk.data.byteLength);
      return chunk;
    },
  };
}
