/**
 * core's worker message loop answers every cancel: a backend learns that
 * its worker is free from the worker itself.
 */
import { describe, expect, it } from "vitest";
import { serveWorker, type FromWorker, type ToWorker } from "@parazarr/core/worker";

const tasks = new URL("../dist/conformance/tasks.js", import.meta.url).href;

function loop() {
  const sent: FromWorker[] = [];
  let deliver: (message: unknown) => void = () => {};
  let wake: () => void = () => {};
  serveWorker(
    {
      send: (message) => {
        sent.push(message);
        wake();
      },
      onMessage: (listener) => (deliver = listener),
    },
    { info: { worker: "test worker", pid: process.pid, cores: 1 }, onShutdown: () => {} },
  );
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise<void>((r) => ((wake = r), setTimeout(r, 25)));
    expect(done()).toBe(true);
  };
  return { sent, send: (m: ToWorker) => deliver(m), until };
}

const sleepBatch = (batchId: number, ms: number): ToWorker => ({
  type: "batch",
  batchId,
  task: { moduleUrl: tasks, name: "sleepThenMark" },
  items: [{ index: 0, input: { ms }, attempt: 1 }],
});

describe("serveWorker", () => {
  it("answers a cancel of a running batch with batch-cancelled once it stopped, and sends no result", async () => {
    const w = loop();
    w.send(sleepBatch(101, 10_000));
    w.send({ type: "cancel", batchId: 101 });
    await w.until(() => w.sent.some((m) => m.type === "batch-cancelled"));
    expect(w.sent.map((m) => m.type)).toEqual(["ready", "batch-cancelled"]);
    expect(w.sent[1]).toEqual({ type: "batch-cancelled", batchId: 101 });
  });

  it("drops a queued batch on cancel, answers at once, and still runs the others", async () => {
    const w = loop();
    w.send(sleepBatch(201, 50));
    w.send(sleepBatch(202, 50));
    w.send({ type: "cancel", batchId: 202 });
    await w.until(() => w.sent.some((m) => m.type === "batch-result"));
    expect(w.sent.map((m) => [m.type, "batchId" in m ? m.batchId : undefined])).toEqual([
      ["ready", undefined],
      ["batch-cancelled", 202],
      ["batch-result", 201],
    ]);
  });
});
