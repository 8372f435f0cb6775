/**
 * What carries messages between a coordinator and an agent: stdio frames
 * (ssh), S3 objects (batch), later TCP or files (slurm). The agent runtime
 * knows nothing else of where it runs.
 */
import type { ResourceLimits } from "node:worker_threads";
import type { FromAgent, PongMessage } from "../agent-protocol.js";

export interface AgentTransport {
  /**
   * Sends one message up. Must not throw for a message that structured
   * clone accepts; it may throw (a DataCloneError or v8's plain Error) for
   * one it cannot serialize, and the agent then sends the result's
   * replacement (see core's `unsendableResult`).
   */
  send(message: FromAgent | PongMessage): void;
  /** Every message from the coordinator, unchecked: the agent checks them (`ToWorker` or `ping`). */
  onMessage(listener: (message: unknown) => void): void;
  /** The coordinator is gone (stdin closed, plan closed, idle timeout): the agent stops its threads and resolves. */
  onClose(listener: () => void): void;
}

export interface AgentOptions {
  /** The bundled file that is both the agent and its worker threads (the entry's `import.meta.url`). */
  readonly entry: URL;
  /** Worker threads to run; `0`: one per core. */
  readonly workers: number;
  /** Who runs the threads, for worker names in errors: a host's label, "batch child 3". */
  readonly name: string;
  /** Heap limits of each worker thread (an inner `threads(n, { resourceLimits })`). */
  readonly resourceLimits?: ResourceLimits | undefined;
  /**
   * Turns a module URL the agent cannot import as it is (`s3://…`) into a
   * `file:` URL it can (downloaded, keeping `<hash>/<name>` so the module's
   * `../<core hash>/core.mjs` resolves). Called once per URL.
   */
  readonly localizeModule?: ((url: string) => Promise<string>) | undefined;
}
