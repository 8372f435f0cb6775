/**
 * The entry of every worker process (`cluster.fork` runs this file): core's
 * worker runtime over the IPC channel. Imports nothing from the caller's
 * side; the only thing both share is core's protocol.
 */
import { availableParallelism } from "node:os";
import { serveWorker, type WorkerInfo } from "@parazarr/core/worker";
import { exitWithParent } from "./parent-watch.js";

if (process.send === undefined) {
  console.error("@parazarr/backend-processes: worker.js is started by processes(), not run by hand");
  process.exit(1);
}

const info: WorkerInfo = { worker: `pid ${process.pid}`, pid: process.pid, cores: availableParallelism() };

exitWithParent();
// The caller closed the channel or died: nothing can reach us any more.
process.on("disconnect", () => process.exit(0));

// `process.send` serializes synchronously and throws on what it cannot
// copy; serveWorker answers such a batch with errors that say why.
serveWorker(
  { send: (message) => void process.send!(message), onMessage: (listener) => process.on("message", listener) },
  { info, onShutdown: () => process.exit(0) },
);
