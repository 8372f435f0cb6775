/**
 * `@parazarr/core/worker`: what a worker entry (a piscina file, a cluster
 * worker, an SSH agent) needs to serve batches. Imports nothing from the
 * scheduler side.
 */
export { serveWorker, type ServeOptions, type WorkerPort } from "./serve.js";
export { runBatch, runItem, type BatchEnvironment } from "./runtime.js";
export { collectGivenAway, collectTransferables } from "./transfer.js";
export { unsendableResult } from "./sendable.js";
export { toWireError } from "./wire-error.js";
export { PROTOCOL_VERSION, isToWorker, type BatchMessage, type FromWorker, type ItemOutcome, type ToWorker, type WorkerInfo } from "../protocol.js";
