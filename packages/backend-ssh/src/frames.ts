/**
 * Framing for the agent's stdin/stdout: an 8-byte header (the magic "PZF1"
 * and a uint32 big-endian length), then the message as `v8.serialize`
 * bytes. v8's format keeps typed arrays, Maps, Dates and BigInts as they
 * are, so binary payloads cross at their own size (no base64), and the
 * magic makes stray output on the agent's stdout (a task's console.log
 * that escaped) a clear error instead of a garbage length.
 *
 * Shared by the agent and the coordinator; imports nothing from either.
 */
import { deserialize, serialize } from "node:v8";

const MAGIC = 0x505a4631; // "PZF1"
const HEADER_BYTES = 8;

/** Encodes one message as a header and a body, written back to back. */
export function encodeFrame(message: unknown): [Buffer, Buffer] {
  const body = serialize(message);
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(body.length, 4);
  return [header, body];
}

export class FrameError extends Error {
  readonly _tag = "FrameError" as const;
  constructor(message: string) {
    super(message);
    this.name = "FrameError";
  }
}

/**
 * Reassembles frames from stream chunks. Chunks are kept as they arrive and
 * joined once a frame is complete, so a 64 MiB frame costs one copy, not
 * one per chunk.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #bodyLength: number | undefined;

  /** Adds a chunk; returns every message it completed, in order. */
  push(chunk: Buffer): unknown[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const messages: unknown[] = [];
    for (;;) {
      if (this.#bodyLength === undefined) {
        if (this.#buffered < HEADER_BYTES) break;
        const header = this.#take(HEADER_BYTES);
        if (header.readUInt32BE(0) !== MAGIC) {
          const text = JSON.stringify(header.toString("latin1"));
          throw new FrameError(`the agent's output is not a parazarr frame (starts with ${text}): something wrote to its stdout`);
        }
        this.#bodyLength = header.readUInt32BE(4);
      }
      if (this.#buffered < this.#bodyLength) break;
      const body = this.#take(this.#bodyLength);
      this.#bodyLength = undefined;
      messages.push(deserialize(body));
    }
    return messages;
  }

  #take(length: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= length) {
      out = first.subarray(0, length);
      if (first.length === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
    } else {
      const joined = Buffer.concat(this.#chunks, this.#buffered);
      out = joined.subarray(0, length);
      this.#chunks = joined.length > length ? [joined.subarray(length)] : [];
    }
    this.#buffered -= length;
    return out;
  }
}
