/**
 * TEMPORARY until @parazarr/remote lands (then wire.remote.ts.txt replaces this): plain v8 frames.
 */
import { deserialize, serialize } from "node:v8";

export function encodeMessage(message: unknown): Buffer {
  let body: Buffer;
  try {
    body = serialize(message);
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), { name: "DataCloneError" });
  }
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

export function decodeMessages(body: Uint8Array): unknown[] {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const out: unknown[] = [];
  for (let at = 0; at < buffer.length; ) {
    const length = buffer.readUInt32BE(at);
    out.push(deserialize(buffer.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return out;
}
