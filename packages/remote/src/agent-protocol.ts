/**
 * What a coordinator and an agent (an SSH host's, a Batch child's) say to
 * each other, on top of core's protocol, whatever transport carries it.
 * Down: core's `ToWorker` messages, as they are, and `ping`. Up: core's
 * `FromWorker` messages, plus `worker-lost`, because only the agent sees a
 * worker thread die under a batch (the coordinator turns it into core's
 * WorkerLostError), and `pong`.
 *
 * `ping`/`pong` is the heartbeat that notices a silent agent (a frozen
 * host, a pulled cable): on ssh it replaces ssh2's keepalive, whose timer
 * would keep every script alive, and it proves the agent itself still
 * answers, not only its transport.
 *
 * Imported by both sides; imports only types and ts-pattern.
 */
import { P, isMatching } from "ts-pattern";
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
