/**
 * The agent's entry, bundled into one file (with @parazarr/remote's agent
 * runtime inside it; core is the host's core.mjs) and shipped to each
 * host. The same file is the main thread (the agent) and each worker
 * thread, so one upload is enough and nothing but Node.js is needed on the
 * host.
 */
import { isMainThread } from "node:worker_threads";
import { runAgent, serveAgentThread } from "@parazarr/remote/agent";
import { decodeAgentConfig } from "../agent-config.js";
import { stdioTransport } from "./stdio-transport.js";

if (isMainThread) {
  const config = decodeAgentConfig(process.argv[2]);
  const transport = stdioTransport();
  await runAgent(transport, { entry: new URL(import.meta.url), workers: config.workers, name: config.host, resourceLimits: config.resourceLimits });
  process.exit(transport.failed ? 1 : 0);
} else {
  serveAgentThread();
}
