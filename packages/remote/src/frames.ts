/**
 * Framing for the agent's stdin/stdout. A frame is a 16-byte header (the
 * magic "PZF2", the body length, the metadata length, 0), then the body:
 * the message as `v8.serialize` bytes, then every large typed array of the
 * message as raw bytes, each starting on an 8-byte boundary.
 *
 * Why not plain `v8.serialize`: it copies every typed array into its
 * output, and `v8.deserialize` copies it out again unless it happens to be
 * aligned — two extra passes over every chunk a read sends back. Here a
 * large typed array is written to the stream from its own memory and read
 * back as a view of the received frame: no copy on either side beyond the
 * transport's own. Small ones stay inline, where a copy is cheaper than a
 * separate write. The magic makes stray output on the agent's stdout (a
 * task's console.log that escaped) a clear error instead of a garbage length.
 *
 * Shared by the agent and the coordinator, and reusable wherever a whole
 * message travels as bytes (an S3 object's body); imports nothing from either.
 */
import { DefaultDeserializer, DefaultSerializer } from "node:v8";

const MAGIC = 0x505a4632; // "PZF2"
const HEADER_BYTES = 16;
const ALIGN = 8;
/** Typed arrays at least this large travel as attachments; smaller ones inline. */
const ATTACH_MIN_BYTES = 16 * 1024;
/** Small pieces are joined before writing: each write may become its own SSH packet. */
const JOIN_BELOW_BYTES = 64 * 1024;

type ViewConstructor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT?: number };

// Our own table (Node's is internal); index 0 means "inline, Node's own encoding".
const VIEW_TYPES: ViewConstructor[] = [
  Uint8Array, Int8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView, Buffer as unknown as ViewConstructor,
];
const INLINE = 0;

const padding = (length: number) => (ALIGN - (length % ALIGN)) % ALIGN;
const ZEROS = Buffer.alloc(ALIGN);
const EMPTY = Buffer.alloc(0);

// Node documents these hooks (v8.Serializer#_writeHostObject, Deserializer#_readHostObject,
// which DefaultSerializer uses for every typed array); @types/node 20 does not declare them.
const SerializerWithHooks = DefaultSerializer as unknown as new () => DefaultSerializer & {
  _writeHostObject(view: NodeJS.TypedArray | DataView): void;
};
const DeserializerWithHooks = DefaultDeserializer as unknown as new (buffer: Buffer) => DefaultDeserializer & {
  _readHostObject(): unknown;
};

class AttachingSerializer extends SerializerWithHooks {
  readonly attachments: Uint8Array[] = [];

  override _writeHostObject(view: NodeJS.TypedArray | DataView): void {
    const type = VIEW_TYPES.indexOf(view.constructor as ViewConstructor);
    if (view.byteLength < ATTACH_MIN_BYTES || type < 0) {
      this.writeUint32(INLINE);
      super._writeHostObject(view);
      return;
    }
    this.writeUint32(type + 1);
    this.writeUint32(view.byteLength);
    this.attachments.push(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  }
}

class AttachedDeserializer extends DeserializerWithHooks {
  constructor(
    meta: Buffer,
    private readonly takeAttachment: (byteLength: number) => Buffer,
  ) {
    super(meta);
  }

  override _readHostObject(): unknown {
    const tag = this.readUint32();
    if (tag === INLINE) return super._readHostObject();
    const ctor = VIEW_TYPES[tag - 1];
    if (ctor === undefined) throw new FrameError(`frame holds an unknown typed array type ${tag}`);
    const byteLength = this.readUint32();
    const size = ctor.BYTES_PER_ELEMENT ?? 1;
    let bytes = this.takeAttachment(byteLength);
    // Bytes that arrived inside one packet may sit unaligned: copy them then.
    if (bytes.byteOffset % size !== 0) bytes = Buffer.from(bytes);
    return new ctor(bytes.buffer, bytes.byteOffset, byteLength / size);
  }
}

/**
 * Encodes one message as the buffers to write, in order. Large typed arrays
 * are written from their own memory: they must not change until written.
 */
export function encodeFrame(message: unknown): Buffer[] {
  const serializer = new AttachingSerializer();
  serializer.writeHeader();
  serializer.writeValue(message);
  const meta = serializer.releaseBuffer();
  const pieces: Array<Buffer | Uint8Array> = [meta, ZEROS.subarray(0, padding(meta.length))];
  let bodyLength = meta.length + padding(meta.length);
  for (const attachment of serializer.attachments) {
    pieces.push(attachment, ZEROS.subarray(0, padding(attachment.length)));
    bodyLength += attachment.length + padding(attachment.length);
  }
  if (bodyLength > 0xffff_ffff) throw new FrameError(`a message of ${bodyLength} bytes is too large for one frame (4 GiB at most)`);
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(bodyLength, 4);
  header.writeUInt32BE(meta.length, 8);
  return joinSmall([header, ...pieces]);
}

function joinSmall(pieces: Array<Buffer | Uint8Array>): Buffer[] {
  const out: Buffer[] = [];
  let small: Array<Buffer | Uint8Array> = [];
  const flush = () => {
    if (small.length > 0) out.push(Buffer.concat(small));
    small = [];
  };
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    if (piece.length < JOIN_BELOW_BYTES) {
      small.push(piece);
      continue;
    }
    flush();
    out.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
  }
  flush();
  return out;
}

export class FrameError extends Error {
  readonly _tag = "FrameError" as const;
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

export const isFrameError = (error: unknown): error is FrameError =>
  error instanceof Error && (error as { _tag?: unknown })._tag === "FrameError";

/**
 * Reassembles frames from stream chunks. Chunks are kept as they arrive
 * and joined once a frame is complete, so a 64 MiB frame costs one copy,
 * not one per chunk.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #head = 0;
  #buffered = 0;
  #header: { body: number; meta: number } | undefined;

  /** Adds a chunk; returns every message it completed, in order. */
  push(chunk: Buffer): unknown[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const messages: unknown[] = [];
    for (;;) {
      if (this.#header === undefined) {
        if (this.#buffered < HEADER_BYTES) break;
        const header = this.#take(HEADER_BYTES);
        if (header.readUInt32BE(0) !== MAGIC) {
          const text = JSON.stringify(header.subarray(0, 8).toString("latin1"));
          throw new FrameError(`the agent's output is not a parazarr frame (starts with ${text}): something wrote to its stdout`);
        }
        this.#header = { body: header.readUInt32BE(4), meta: header.readUInt32BE(8) };
      }
      if (this.#buffered < this.#header.body) break;
      messages.push(this.#decodeBody(this.#header));
      this.#header = undefined;
    }
    return messages;
  }

  /**
   * Each attachment is taken from the chunks on its own: one that spans
   * chunks is joined into a buffer of its own (aligned, and transferable to
   * a worker thread without a copy; freed on its own once dropped).
   */
  #decodeBody(header: { body: number; meta: number }): unknown {
    let consumed = 0;
    const take = (length: number) => {
      consumed += length;
      if (consumed > header.body) throw new FrameError("a frame's contents run past its length");
      return this.#take(length);
    };
    const meta = take(header.meta);
    take(padding(header.meta));
    const deserializer = new AttachedDeserializer(meta, (byteLength) => {
      const bytes = take(byteLength);
      take(padding(byteLength));
      return bytes;
    });
    deserializer.readHeader();
    const message = deserializer.readValue();
    if (consumed !== header.body) throw new FrameError("a frame's contents do not add up to its length");
    return message;
  }

  /** The next `length` bytes; joined (a fresh, aligned buffer) only when they span chunks. */
  #take(length: number): Buffer {
    if (length === 0) return EMPTY;
    const parts: Buffer[] = [];
    for (let need = length; need > 0; ) {
      const chunk = this.#chunks[this.#head] as Buffer;
      if (chunk.length <= need) {
        parts.push(chunk);
        this.#head++;
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.#chunks[this.#head] = chunk.subarray(need);
        need = 0;
      }
    }
    // A head index, not shift(): a 64 MiB frame arrives in thousands of chunks.
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
    this.#buffered -= length;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
  }
}
