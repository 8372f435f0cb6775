/**
 * What the coordinator and a host's agent say to each other, on top of
 * core's protocol. Down: core's `ToWorker` messages, as they are, and
 * `ping`. Up: core's `FromWorker` messages, plus `worker-lost`, because
 * only the agent sees a worker thread die under a batch (the coordinator
 * turns it into core's WorkerLostError), and `pong`.
 *
 * `ping`/`pong` is the heartbeat that notices a silent host (frozen, cable
 * pulled): it replaces ssh2's keepalive, whose timer would keep every
 * script alive, and it proves the agent itself still answers.
 *
 * Imported by both sides; imports only types and ts-pattern.
 */
import { P, isMatching } from "ts-pattern";
import type { ResourceLimits } from "node:worker_threads";
import type { FromWorker } from "@parazarr/core/worker";

export interface WorkerLostMessage {
  readonly type: "worker-lost";
  readonly batchId: number;
  readonly worker: string;
  readonly reason: string;
  readonly exitCode?: number | undefined;
}

export interface PingMessage {
  readonly type: "ping";
}

export interface PongMessage {
  readonly type: "pong";
}

/**
 * `batch-cancelled` goes up too: the coordinator counts a cancelled batch
 * as over only when the agent says its thread is done with it (answered the
 * cancel, finished, or was ended), so no task of a cancelled write still
 * runs when the write's chunks pass to the next one.
 */
export type FromAgent = FromWorker | WorkerLostMessage;

export const isPingMessage = isMatching({ type: "ping" as const });
export const isPongMessage = isMatching({ type: "pong" as const });

export const isWorkerLostMessage = isMatching({
  type: "worker-lost" as const,
  batchId: P.number,
  worker: P.string,
  reason: P.string,
});

/** How the coordinator configures an agent: one argv word, base64url JSON (no shell quoting pitfalls). */
export interface AgentConfig {
  /** Worker threads to run; `0` means one per core of the host. */
  readonly workers: number;
  /** The host as the user named it, for worker names in errors. */
  readonly host: string;
  /** Heap limits of each worker thread (an inner `threads(n, { resourceLimits })`). */
  readonly resourceLimits?: ResourceLimits | undefined;
}

export function encodeAgentConfig(config: AgentConfig): string {
  return Buffer.from(JSON.stringify(config)).toString("base64url");
}

export function decodeAgentConfig(word: string | undefined): AgentConfig {
  const parsed: unknown = JSON.parse(Buffer.from(word ?? "", "base64url").toString() || "null");
  if (!isMatching({ workers: P.number, host: P.string }, parsed)) {
    throw new Error(`agent: expected its configuration as the first argument, got ${JSON.stringify(word)}`);
  }
  return parsed;
}
