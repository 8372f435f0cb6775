/**
 * `@parazarr/remote/agent`: the agent runtime alone, for a backend's entry
 * (ssh's agent.mjs, batch's child.mjs). It imports nothing that bundles or
 * ships code (no esbuild), so an entry that imports it stays small and
 * needs only Node.js and core.mjs where it runs.
 */
export { runAgent } from "./agent.js";
export { serveAgentThread } from "./worker-thread.js";
export type { AgentOptions, AgentTransport } from "./transport.js";
export { FrameDecoder, FrameError, encodeFrame, isFrameError } from "../frames.js";
export {
  isPingMessage,
  isPongMessage,
  isWorkerLostMessage,
  type FromAgent,
  type PingMessage,
  type PongMessage,
  type WorkerLostMessage,
} from "../agent-protocol.js";
