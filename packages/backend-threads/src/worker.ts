/**
 * The piscina worker entry: core's worker runtime behind piscina's
 * function-call interface. Imports nothing from the main side.
 */
import { availableParallelism } from "node:os";
import { BroadcastChannel, threadId, workerData } from "node:worker_threads";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { PROTOCOL_VERSION, collectGivenAway, runBatch, type BatchMessage, type FromWorker } from "@parazarr/core/worker";

const worker = `thread ${threadId}`;

// core's cancel, step one: the running batch's tasks see ctx.signal fire.
// (Step two, ending the thread, is piscina's abort on the main side.)
// piscina runs one task at a time per thread (concurrentTasksPerWorker 1),
// so one controller serves batch after batch until a cancel uses it up: a
// new one per batch measurably slowed 1-item batches on a loaded machine.
let signalOwner: AbortController = new AbortController();
let runningBatch: number | undefined;
// A cancel can arrive before its batch does (it waited in piscina's queue):
// remember recent ones, bounded, so that batch is dropped when it comes.
const cancelledEarly = new Set<number>();
const CANCELS_REMEMBERED = 4_096;

const { cancelChannel } = workerData as { cancelChannel: string };
const cancels = new BroadcastChannel(cancelChannel);
cancels.unref();
cancels.onmessage = (event) => {
  const batchId = (event as { data: number }).data;
  if (batchId === runningBatch) return signalOwner.abort();
  cancelledEarly.add(batchId);
  if (cancelledEarly.size > CANCELS_REMEMBERED) cancelledEarly.delete(cancelledEarly.values().next().value as number);
};

export default async function serveBatch(batch: BatchMessage): Promise<unknown> {
  if (signalOwner.signal.aborted) signalOwner = new AbortController();
  if (cancelledEarly.size > 0 && cancelledEarly.delete(batch.batchId)) signalOwner.abort();
  runningBatch = batch.batchId;
  let outcomes;
  try {
    outcomes = await runBatch(batch, { worker, signal: signalOwner.signal });
  } finally {
    runningBatch = undefined;
  }
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
