/**
 * The body of one mailbox object: one or more messages, each in
 * @parazarr/remote's frame encoding (v8 serialize, large typed arrays as
 * aligned attachments), one after the other. Several messages queued in
 * the same turn travel in one object: one request instead of several.
 */
import { FrameDecoder, encodeFrame } from "@parazarr/remote/agent";

/**
 * One message's frame. Throws a DataCloneError (the name core's scheduler
 * looks for) for a value v8 cannot serialize: v8 throws a plain Error.
 */
export function encodeMessage(message: unknown): Buffer {
  try {
    return Buffer.concat(encodeFrame(message));
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), { name: "DataCloneError" });
  }
}

/** Every message of one object's body; a torn or foreign body throws (FrameError). */
export function decodeMessages(body: Uint8Array): unknown[] {
  const decoder = new FrameDecoder();
  const messages = decoder.push(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  return messages;
}
