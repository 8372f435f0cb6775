/**
 * The agent's entry, bundled into one file and shipped to each host. The
 * same file is the main thread (the agent) and each worker thread, so one
 * upload is enough and nothing but Node.js is needed on the host.
 */
import { isMainThread } from "node:worker_threads";
import { runAgent } from "./agent.js";
import { serveThread } from "./worker-thread.js";

if (isMainThread) await runAgent(new URL(import.meta.url));
else serveThread();
