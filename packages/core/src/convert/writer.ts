/**
 * Who writes, per call: this process (host, pid, start time, for dead-writer
 * takeover) with a token of its own. Two overlapping calls in one process
 * are two writers: with the process's token alone, the second would find
 * its own claims and go ahead.
 */
import { randomBytes } from "node:crypto";
import { currentWriter } from "./claims.js";
import type { WriterId } from "./ledger.js";

export function callWriter(): WriterId {
  return { ...currentWriter(), token: randomBytes(16).toString("hex") };
}
