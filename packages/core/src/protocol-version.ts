/**
 * The one check of a worker's `ready`: every backend calls it before it
 * sends the worker any work.
 */
import { ProtocolVersionError } from "./errors.js";
import { PROTOCOL_VERSION, type FromWorker } from "./protocol.js";

/** Throws ProtocolVersionError (naming both versions) unless `ready` speaks ours. */
export function checkProtocolVersion(ready: Extract<FromWorker, { type: "ready" }>, worker = ready.info.worker): void {
  // Read as unknown: a worker from before versions existed sends no field.
  const stated: unknown = (ready as { protocol?: unknown }).protocol;
  if (stated !== PROTOCOL_VERSION) throw new ProtocolVersionError(worker, PROTOCOL_VERSION, stated);
}
