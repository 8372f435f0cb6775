/**
 * The piscina worker entry: core's worker runtime behind piscina's
 * function-call interface. Imports nothing from the main side.
 */
import { availableParallelism } from "node:os";
import { threadId } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { PROTOCOL_VERSION, collectGivenAway, runBatch, type BatchMessage, type FromWorker } from "@parazarr/core/worker";

const worker = `thread ${threadId}`;
// piscina stops a running task by terminating its thread, so nothing inside
// ever needs to abort; tasks still get a signal that never fires.
const never = new AbortController().signal;

export default async function serveBatch(batch: BatchMessage): Promise<unknown> {
  const outcomes = await runBatch(batch, { worker, signal: never });
  const reply: FromWorker = { type: "batch-result", batchId: batch.batchId, worker, outcomes };
  const transfer = outcomes.flatMap((outcome) => (outcome.type === "value" ? collectGivenAway(outcome.value) : []));
  if (transfer.length === 0) return reply;
  // Hand over what the tasks gave away (transfer()); the rest is copied.
  return move({
    get [transferableSymbol]() {
      return transfer;
    },
    get [valueSymbol]() {
      return reply;
    },
  } as never);
}

/** Answers the start-up check: the thread is up, the runtime loads, and which protocol it speaks. */
export function hello(): FromWorker {
  return { type: "ready", protocol: PROTOCOL_VERSION, info: { worker, pid: process.pid, cores: availableParallelism() } };
}
