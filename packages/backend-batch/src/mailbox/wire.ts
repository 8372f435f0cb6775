/**
 * The body of one mailbox object: an 8-byte envelope (the magic "PZMB" and
 * the length of what follows), then one or more messages, each in
 * @parazarr/remote's frame encoding (v8 serialize, large typed arrays as
 * aligned attachments). Several messages queued in the same turn travel in
 * one object: one request instead of several.
 *
 * Why the envelope: S3 never shows half an object, but s3rver 3.7.1 does.
 * Its PUT streams into the object's file, and a GET that arrives meanwhile
 * answers with the part written so far (stat, then read). A reader polls
 * the very key a writer is putting, so it meets this; a body shorter than
 * its envelope says is "not there yet", read again on the next poll.
 */
import { FrameDecoder, encodeFrame } from "@parazarr/remote/agent";

const MAGIC = 0x505a4d42; // "PZMB"
const ENVELOPE_BYTES = 8;

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

/** One object's body from frames made by encodeMessage. */
export function encodeBody(frames: readonly Buffer[]): Buffer {
  const envelope = Buffer.alloc(ENVELOPE_BYTES);
  const length = frames.reduce((sum, frame) => sum + frame.length, 0);
  envelope.writeUInt32BE(MAGIC, 0);
  envelope.writeUInt32BE(length, 4);
  return Buffer.concat([envelope, ...frames], ENVELOPE_BYTES + length);
}

export class MailboxBodyError extends Error {
  readonly _tag = "MailboxBodyError" as const;
  constructor(message: string) {
    super(message);
    this.name = "MailboxBodyError";
  }
}

/**
 * Every message of one object's body, or undefined while the object is
 * still being written (shorter than its envelope says). A body that is not
 * ours throws a MailboxBodyError.
 */
export function decodeBody(body: Uint8Array): unknown[] | undefined {
  const bytes = aligned(body);
  if (bytes.length < ENVELOPE_BYTES) return undefined;
  if (bytes.readUInt32BE(0) !== MAGIC) throw new MailboxBodyError("a mailbox object that parazarr did not write (no PZMB envelope)");
  const length = bytes.readUInt32BE(4);
  if (bytes.length < ENVELOPE_BYTES + length) return undefined;
  if (bytes.length > ENVELOPE_BYTES + length) throw new MailboxBodyError("a mailbox object longer than its envelope says");
  return new FrameDecoder().push(bytes.subarray(ENVELOPE_BYTES));
}

/**
 * A body in memory of its own: frames hand large typed arrays back as views
 * at 8-byte offsets of the body, which the SDK's byte array need not keep.
 */
function aligned(body: Uint8Array): Buffer {
  if (body.byteOffset % 8 === 0) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const copy = Buffer.allocUnsafeSlow(body.byteLength);
  copy.set(body);
  return copy;
}
