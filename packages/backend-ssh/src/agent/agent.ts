/**
 * A host's agent (main thread): reads core's `ToWorker` messages as frames
 * on stdin, runs them on its worker threads, writes `FromAgent` frames on
 * stdout. It lives as long as its SSH channel: when stdin closes (the plan
 * closed, the connection dropped, the coordinator died) it exits, so no
 * agent outlives its plan.
 */
import { availableParallelism } from "node:os";
import { match } from "ts-pattern";
import { PROTOCOL_VERSION, isToWorker, toWireError, unsendableResult } from "@parazarr/core/worker";
import { decodeAgentConfig, isPingMessage, type FromAgent, type PongMessage } from "../agent-protocol.js";
import { FrameDecoder, encodeFrame } from "../frames.js";
import { WorkerPool } from "./worker-pool.js";

function write(message: FromAgent | PongMessage): void {
  let frame: Buffer[];
  try {
    frame = encodeFrame(message);
  } catch (error) {
    // The worker already checked results with structured clone; v8's
    // serializer is the same algorithm, so this is a last resort.
    if (message.type !== "batch-result") throw error;
    frame = encodeFrame(unsendableResult(message, error));
  }
  // Results were handed over by their worker thread: nothing else touches them while they are written.
  for (const piece of frame) process.stdout.write(piece);
}

export async function runAgent(entry: URL): Promise<void> {
  const config = decodeAgentConfig(process.argv[2]);
  const cores = availableParallelism();
  const pool = new WorkerPool(entry, write, config.resourceLimits);
  const exit = (code: number) => {
    void pool.stop().finally(() => process.exit(code));
  };
  process.stdin.on("end", () => exit(0));
  process.stdin.on("error", () => exit(0));
  // EPIPE: the coordinator (or its connection) is gone.
  process.stdout.on("error", () => exit(0));

  const decoder = new FrameDecoder();
  process.stdin.on("data", (chunk: Buffer) => {
    let messages: unknown[];
    try {
      messages = decoder.push(chunk);
    } catch (error) {
      write({ type: "fatal", error: toWireError(error) });
      exit(1);
      return;
    }
    for (const message of messages) {
      if (isPingMessage(message)) {
        write({ type: "pong" });
        continue;
      }
      if (!isToWorker(message)) {
        write({ type: "fatal", error: { name: "ProtocolError", message: "agent: unexpected message from the coordinator", fields: {} } });
        exit(1);
        return;
      }
      match(message)
        .with({ type: "batch" }, (batch) => pool.submit(batch))
        .with({ type: "cancel" }, ({ batchId }) => pool.cancel(batchId))
        .with({ type: "stop" }, ({ batchId }) => pool.end(batchId))
        .with({ type: "shutdown" }, () => exit(0))
        .exhaustive();
    }
  });

  try {
    await pool.start(config.workers > 0 ? config.workers : cores, config.host);
  } catch (error) {
    write({ type: "fatal", error: toWireError(error) });
    exit(1);
    return;
  }
  write({ type: "ready", protocol: PROTOCOL_VERSION, info: { worker: config.host, pid: process.pid, cores } });
}
