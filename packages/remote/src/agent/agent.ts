/**
 * An agent's main thread, whatever carries its messages: it takes core's
 * `ToWorker` messages from the transport, runs them on its worker threads,
 * and sends `FromAgent` messages back. It lives as long as its
 * coordinator: when the transport closes (ssh: stdin ended; batch: the
 * plan closed or the child sat idle too long), or the coordinator says
 * `shutdown`, it stops its threads and `runAgent` resolves, so no agent
 * outlives its plan.
 */
import { availableParallelism } from "node:os";
import { match } from "ts-pattern";
import { PROTOCOL_VERSION, isToWorker, toWireError, unsendableResult, type BatchMessage } from "@parazarr/core/worker";
import { isPingMessage, type FromAgent, type PongMessage } from "../agent-protocol.js";
import { BatchLocalizer } from "./localize.js";
import type { AgentOptions, AgentTransport } from "./transport.js";
import { WorkerPool } from "./worker-pool.js";

/** Resolves when the agent has stopped: its transport closed, it was told to shut down, or it failed (after saying so). */
export function runAgent(transport: AgentTransport, options: AgentOptions): Promise<void> {
  return new Promise<void>((resolve) => {
    const send = sender(transport);
    const pool = new WorkerPool(options.entry, send, options.resourceLimits);
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void pool.stop().finally(resolve);
    };
    const fail = (error: unknown) => {
      if (stopping) return;
      send({ type: "fatal", error: toWireError(error) });
      stop();
    };
    // A batch still being localized is the localizer's to cancel (it never reaches the pool).
    const localizer = options.localizeModule && new BatchLocalizer(options.localizeModule, options.name, send);
    const submit = (batch: BatchMessage) => (localizer ? localizer.localize(batch, (local) => stopping || pool.submit(local)) : pool.submit(batch));
    const cancel = (batchId: number) => localizer?.cancel(batchId) || pool.cancel(batchId);
    const end = (batchId: number) => localizer?.cancel(batchId) || pool.end(batchId);
    transport.onClose(stop);
    transport.onMessage((message) => {
      if (stopping) return;
      if (isPingMessage(message)) return send({ type: "pong" });
      if (!isToWorker(message)) {
        return fail(Object.assign(new Error("agent: unexpected message from the coordinator"), { name: "ProtocolError" }));
      }
      match(message)
        .with({ type: "batch" }, submit)
        .with({ type: "cancel" }, ({ batchId }) => cancel(batchId))
        .with({ type: "stop" }, ({ batchId }) => end(batchId))
        .with({ type: "shutdown" }, stop)
        .exhaustive();
    });

    const cores = availableParallelism();
    pool.start(options.workers > 0 ? options.workers : cores, options.name).then(
      // Threads that finish starting after the transport closed announce nothing.
      () => stopping || send({ type: "ready", protocol: PROTOCOL_VERSION, info: { worker: options.name, pid: process.pid, cores } }),
      fail,
    );
  });
}

/**
 * The worker already checked results with structured clone; a transport's
 * serializer (v8's is the same algorithm) refusing one is a last resort:
 * the result is replaced by errors that name what could not be sent.
 */
function sender(transport: AgentTransport): (message: FromAgent | PongMessage) => void {
  return (message) => {
    try {
      transport.send(message);
    } catch (error) {
      if (message.type !== "batch-result") throw error;
      transport.send(unsendableResult(message, error));
    }
  };
}
