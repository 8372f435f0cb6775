/**
 * One worker thread of an agent (an SSH host's, a Batch child's): core's
 * own worker message loop (`serveWorker`) over the thread's parent port,
 * so tasks run exactly as they do in every other backend.
 */
import { availableParallelism } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { serveWorker } from "@parazarr/core/worker";

export interface WorkerThreadData {
  readonly name: string;
}

/** The worker-thread side of an agent's entry: `isMainThread ? runAgent(…) : serveAgentThread()`. */
export function serveAgentThread(): void {
  const port = parentPort;
  if (port === null) throw new Error("agent: serveAgentThread() runs inside a worker thread only");
  const { name } = workerData as WorkerThreadData;
  serveWorker(
    {
      send: (message, transfer) => port.postMessage(message, transfer),
      onMessage: (listener) => port.on("message", listener),
    },
    {
      info: { worker: name, pid: process.pid, cores: availableParallelism() },
      // Inside a worker thread, process.exit ends this thread only.
      onShutdown: () => process.exit(0),
    },
  );
}
