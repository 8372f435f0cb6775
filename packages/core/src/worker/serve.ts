/**
 * The message loop of an out-of-process worker (a cluster worker, an SSH
 * agent's workers): receives `ToWorker` messages from any transport, runs
 * batches one at a time in arrival order, answers with `FromWorker`.
 */
import { match } from "ts-pattern";
import { PROTOCOL_VERSION, isToWorker, type BatchMessage, type FromWorker, type WorkerInfo } from "../protocol.js";
import { runBatch } from "./runtime.js";
import { unsendableResult } from "./sendable.js";
import { collectGivenAway } from "./transfer.js";

/** A duplex message channel; `send` may move the listed buffers. */
export interface WorkerPort {
  send(message: FromWorker, transfer: ArrayBuffer[]): void;
  onMessage(listener: (message: unknown) => void): void;
}

export interface ServeOptions {
  readonly info: WorkerInfo;
  /** Called on a `shutdown` message, after the running batch (if any) was told to stop. */
  readonly onShutdown: () => void;
}

type BatchResult = Extract<FromWorker, { type: "batch-result" }>;

/**
 * Sends a batch's result, moving only what its tasks gave away. A send that
 * throws (a value the runtime's check could not see through) still answers
 * the batch, each value replaced by an error that says why: a throw here
 * would end the loop and leave the batch waiting forever.
 */
function sendResult(port: WorkerPort, result: BatchResult): void {
  const transfer = result.outcomes.flatMap((o) => (o.type === "value" ? collectGivenAway(o.value) : []));
  try {
    port.send(result, transfer);
  } catch (error) {
    port.send(unsendableResult(result, error), []);
  }
}

/**
 * Starts serving. Attach happens before `ready` is sent: an ESM cluster
 * worker drops messages that arrive before its listener exists, so the
 * primary must wait for `ready` before sending work.
 */
export function serveWorker(port: WorkerPort, { info, onShutdown }: ServeOptions): void {
  const queue: BatchMessage[] = [];
  const controllers = new Map<number, AbortController>();
  let running = false;

  const pump = async () => {
    if (running) return;
    running = true;
    for (let batch = queue.shift(); batch !== undefined; batch = queue.shift()) {
      const controller = controllers.get(batch.batchId) ?? new AbortController();
      const outcomes = await runBatch(batch, { worker: info.worker, signal: controller.signal });
      controllers.delete(batch.batchId);
      if (controller.signal.aborted) {
        // The scheduler gave up on it: its outcomes are unwanted, but the
        // backend waits to hear that this worker is free again.
        port.send({ type: "batch-cancelled", batchId: batch.batchId }, []);
        continue;
      }
      sendResult(port, { type: "batch-result", batchId: batch.batchId, worker: info.worker, outcomes });
    }
    running = false;
  };

  port.onMessage((message) => {
    if (!isToWorker(message)) {
      port.send({ type: "fatal", error: { name: "ProtocolError", message: "unexpected message", fields: {} } }, []);
      return;
    }
    match(message)
      .with({ type: "batch" }, (batch) => {
        controllers.set(batch.batchId, new AbortController());
        queue.push(batch);
        void pump();
      })
      .with({ type: "cancel" }, ({ batchId }) => {
        const queued = queue.findIndex((b) => b.batchId === batchId);
        if (queued >= 0) {
          queue.splice(queued, 1);
          controllers.delete(batchId);
          port.send({ type: "batch-cancelled", batchId }, []);
          return;
        }
        // Running: it answers when it stops. Unknown: its result already went out.
        controllers.get(batchId)?.abort();
      })
      // Ending a task that ignores its signal is the parent's job (it ends
      // this thread or process); from in here, all there is is the signal.
      .with({ type: "stop" }, ({ batchId }) => controllers.get(batchId)?.abort())
      .with({ type: "shutdown" }, () => {
        for (const controller of controllers.values()) controller.abort();
        queue.length = 0;
        onShutdown();
      })
      .exhaustive();
  });
  port.send({ type: "ready", protocol: PROTOCOL_VERSION, info }, []);
}
