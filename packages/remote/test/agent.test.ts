/**
 * The agent runtime over a transport of two in-memory queues: real batches
 * on real worker threads of the shipped entry (the bundle that is both the
 * agent and its threads), a thread killed by its task reported as
 * worker-lost, core's cancel and stop honoured, and the agent stopping
 * when its transport closes.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, type BatchMessage } from "@parazarr/core/worker";
import { Shipper, TaskBundler, bundleEntry, runAgent, type AgentOptions } from "@parazarr/remote";
import { DirectoryCodeStore, MemoryTransport } from "./fixtures/memory.js";

const tasksUrl = new URL("./fixtures/tasks.ts", import.meta.url).href;

let dir: string;
let shipper: Shipper;
let entry: URL;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parazarr-agent-"));
  shipper = new Shipper(new DirectoryCodeStore(join(dir, "code")), new TaskBundler());
  entry = new URL(await shipper.shipEntry(await bundleEntry(fileURLToPath(new URL("./fixtures/agent-entry.ts", import.meta.url)), "agent.mjs")));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Starts an agent and waits for its `ready`; `stopped` settles when runAgent resolves. */
async function startAgent(options: Partial<AgentOptions> = {}) {
  const transport = new MemoryTransport();
  const agent = runAgent(transport, { entry, workers: 2, name: "test agent", ...options });
  let stopped = false;
  void agent.then(() => (stopped = true));
  const ready = await transport.started();
  return { transport, agent, ready, isStopped: () => stopped };
}

let nextBatchId = 1;
/** A batch of `name` over `inputs`, shipped the way a backend ships it. */
async function batch(name: string, inputs: unknown[], moduleUrl = tasksUrl): Promise<BatchMessage> {
  return shipper.shipBatch({
    type: "batch",
    batchId: nextBatchId++,
    task: { moduleUrl, name },
    items: inputs.map((input, index) => ({ index, input, attempt: 1 })),
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await sleep(25);
  expect(condition(), what).toBe(true);
}

describe("runAgent", () => {
  it("says it is ready with core's protocol, runs batches on its worker threads, and answers pings", async () => {
    const { transport, agent, ready } = await startAgent();
    expect(ready).toMatchObject({ protocol: PROTOCOL_VERSION, info: { worker: "test agent", pid: process.pid } });

    const squares = await batch("square", [1, 2, 3, 4]);
    const where = await batch("whereAmI", [0]);
    transport.deliver(squares);
    transport.deliver(where);
    const result = await transport.next("batch-result", (m) => m.batchId === squares.batchId);
    expect(result.outcomes.map((o) => (o.type === "value" ? o.value : o.error.message))).toEqual([1, 4, 9, 16]);
    const [ran] = (await transport.next("batch-result", (m) => m.batchId === where.batchId)).outcomes;
    expect(ran).toMatchObject({ type: "value", value: { worker: expect.stringMatching(/^test agent worker [12]$/) } });
    expect((ran as { value: { threadId: number } }).value.threadId).toBeGreaterThan(0);

    transport.deliver({ type: "ping" });
    await transport.next("pong");
    transport.deliver({ type: "shutdown" });
    await agent;
  });

  it("reports a batch whose task ends its thread as worker-lost, and runs the next batch on a fresh thread", async () => {
    const { transport, agent } = await startAgent({ workers: 1 });
    const killer = await batch("exitThread", [7]);
    transport.deliver(killer);
    const lost = await transport.next("worker-lost");
    expect(lost).toMatchObject({ batchId: killer.batchId, worker: "test agent worker 1", exitCode: 7, reason: "its thread exited with code 7" });

    const after = await batch("square", [5]);
    transport.deliver(after);
    expect((await transport.next("batch-result", (m) => m.batchId === after.batchId)).outcomes).toMatchObject([{ type: "value", value: 25 }]);
    transport.close();
    await agent;
  });

  it("fires a running task's signal on cancel, and ends the thread of one that ignores it on stop", async () => {
    const { transport, agent } = await startAgent({ workers: 1 });
    const marks = { listening: join(dir, "listening"), stubborn: join(dir, "stubborn"), queued: join(dir, "queued") };

    const polite = await batch("waitForCancel", [marks.listening]);
    transport.deliver(polite);
    await until(() => existsSync(marks.listening), "the task started");
    transport.deliver({ type: "cancel", batchId: polite.batchId });
    await transport.next("batch-cancelled", (m) => m.batchId === polite.batchId);
    expect(transport.received.some((m) => m.type === "batch-result" && m.batchId === polite.batchId)).toBe(false);

    // The stubborn task blocks the one thread; a batch queued behind it is dropped by its cancel without running.
    const stubborn = await batch("stubbornSleep", [{ ms: 30_000, markFile: marks.stubborn }]);
    const queued = await batch("touch", [marks.queued]);
    transport.deliver(stubborn);
    transport.deliver(queued);
    await until(() => existsSync(marks.stubborn), "the stubborn task started");
    transport.deliver({ type: "cancel", batchId: queued.batchId });
    await transport.next("batch-cancelled", (m) => m.batchId === queued.batchId);
    transport.deliver({ type: "cancel", batchId: stubborn.batchId });
    transport.deliver({ type: "stop", batchId: stubborn.batchId });
    await transport.next("batch-cancelled", (m) => m.batchId === stubborn.batchId);
    expect(transport.received.some((m) => m.type === "worker-lost")).toBe(false);

    // The replacement thread takes work; nothing of the cancelled batches ran to the end.
    const after = await batch("square", [6]);
    transport.deliver(after);
    expect((await transport.next("batch-result", (m) => m.batchId === after.batchId)).outcomes).toMatchObject([{ type: "value", value: 36 }]);
    expect(existsSync(marks.queued)).toBe(false);
    transport.close();
    await agent;
  });

  it("stops its threads and resolves when the transport closes, even with a batch running", async () => {
    const { transport, agent, isStopped } = await startAgent({ workers: 1 });
    const mark = join(dir, "running-at-close");
    transport.deliver(await batch("stubbornSleep", [{ ms: 1_000, markFile: mark }]));
    await until(() => existsSync(mark), "the task started");
    expect(isStopped()).toBe(false);
    transport.close();
    await agent;
    // A thread still alive would write "finished" a second after it started.
    await sleep(2_000);
    expect(readFileSync(mark, "utf8")).toBe("started");
    expect(transport.received.filter((m) => m.type === "batch-result")).toEqual([]);
  });

  it("says why and stops when the coordinator sends something that is not a message it knows", async () => {
    const { transport, agent } = await startAgent({ workers: 1 });
    transport.deliver({ type: "batch", batchId: "not a number" });
    const fatal = await transport.next("fatal");
    expect(fatal.error).toMatchObject({ name: "ProtocolError", message: "agent: unexpected message from the coordinator" });
    await agent;
  });
});
