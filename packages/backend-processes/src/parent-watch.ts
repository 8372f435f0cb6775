/**
 * Ends this worker process when the process that started it is gone, even
 * while a task keeps the event loop busy.
 *
 * A cluster worker already exits on its IPC channel's 'disconnect' — but
 * only when its event loop gets to that event. A task in a long compute
 * loop (or a blocking native call) would outlive a caller that was killed
 * with SIGTERM or SIGKILL. So a small thread, which has its own event loop,
 * watches the parent PID: when this process is re-parented, the caller is
 * dead, and the thread kills the whole process. Linux has PR_SET_PDEATHSIG
 * for this, but Node.js does not expose it.
 */
import { Worker } from "node:worker_threads";

const POLL_MS = 500;

const WATCHER = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  if (process.ppid !== workerData.parent) process.kill(workerData.self, "SIGKILL");
}, workerData.pollMs);
`;

export function exitWithParent(): void {
  const watcher = new Worker(WATCHER, {
    eval: true,
    workerData: { parent: process.ppid, self: process.pid, pollMs: POLL_MS },
    stdout: false,
    stderr: false,
  });
  // It must never keep the worker alive on its own, nor take it down if it fails:
  // the 'disconnect' handler still covers an idle worker.
  watcher.unref();
  watcher.on("error", () => {});
}
