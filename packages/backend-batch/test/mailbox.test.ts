/**
 * The S3 mailbox on a real S3-protocol server (s3rver): order, one object
 * per turn, consumed objects deleted, typed arrays intact, and the idle
 * cost bounded: a side that expects nothing polls slowly, or not at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MailboxReader, MailboxWriter, seqKey } from "../dist/mailbox/mailbox.js";
import { PollDelay } from "../dist/mailbox/poll-delay.js";
import { ChildTransport } from "../dist/child/transport.js";
import { openObjectStore, type ObjectStore } from "../dist/s3.js";
import { decodeBody, encodeBody, encodeMessage } from "../dist/mailbox/wire.js";
import type { RunConfig } from "../dist/run-config.js";
import { startS3Server } from "../../../test/fixtures/s3-server.mjs";

let s3: Awaited<ReturnType<typeof startS3Server>>;
let store: ObjectStore;

beforeAll(async () => {
  s3 = await startS3Server();
  Object.assign(process.env, s3.env);
  store = await openObjectStore(s3.bucket, { region: s3.region, endpoint: s3.endpoint, forcePathStyle: true });
});

afterAll(async () => {
  store?.destroy();
  await s3?.stop();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await sleep(20);
  }
}

describe("the S3 mailbox", () => {
  it("delivers messages in order, several per object when sent in one turn, and deletes what it read", async () => {
    const dir = "runs/order/to/c1";
    const writer = new MailboxWriter(store, dir, (error) => { throw error; });
    const received: unknown[] = [];
    const reader = new MailboxReader(store, dir, new PollDelay(50, 50), { onMessages: (m) => received.push(...m), onFailure: (e) => { throw e; }, busy: () => true });
    const chunk = new Float64Array(50_000).map((_, i) => i * 0.5);
    writer.send({ n: 1 });
    writer.send({ n: 2, chunk });
    await writer.flush();
    writer.send({ n: 3 });
    await writer.flush();
    expect(writer.written).toBe(2);
    reader.hurry();
    await until(() => received.length === 3);
    reader.stop();
    expect(received.map((m) => (m as { n: number }).n)).toEqual([1, 2, 3]);
    expect((received[1] as { chunk: Float64Array }).chunk).toEqual(chunk);
    await sleep(200);
    expect(await store.list(`${dir}/`)).toEqual([]);
  });

  it("a message put while the one before it is deleted is stored (s3rver removes an emptied folder under a PUT)", async () => {
    // What the mailbox does all the time: the reader deletes seq n while the writer puts seq n + 1.
    const dir = "runs/stream/to/c1";
    const lost: number[] = [];
    await store.put(seqKey(dir, 0), "x");
    for (let n = 0; n < 200; n++) {
      await Promise.all([store.delete(seqKey(dir, n)), store.put(seqKey(dir, n + 1), "x")]);
      if ((await store.size(seqKey(dir, n + 1))) === undefined) lost.push(n + 1);
    }
    expect(lost).toEqual([]);
  });

  it("an object read while it is still being written (s3rver answers with the part written so far) is read again, not lost", async () => {
    const dir = "runs/torn/to/c1";
    const whole = encodeBody([encodeMessage({ n: 1, payload: "x".repeat(10_000) })]);
    await store.put(seqKey(dir, 0), whole.subarray(0, whole.length - 100));
    const received: unknown[] = [];
    const reader = new MailboxReader(store, dir, new PollDelay(50, 50), { onMessages: (m) => received.push(...m), onFailure: (e) => { throw e; }, busy: () => true });
    reader.hurry();
    await sleep(400);
    expect(received).toEqual([]);
    expect(await store.size(seqKey(dir, 0))).toBe(whole.length - 100);
    await store.put(seqKey(dir, 0), whole);
    await until(() => received.length === 1);
    reader.stop();
    expect((received[0] as { n: number }).n).toBe(1);
  });

  it("refuses a message v8 cannot serialize as a DataCloneError, before anything is written", async () => {
    const writer = new MailboxWriter(store, "runs/clone/to/c1", () => {});
    expect(() => writer.send({ f: () => 1 })).toThrow(expect.objectContaining({ name: "DataCloneError" }));
    await writer.flush();
    expect(writer.written).toBe(0);
  });

  it("a reader nobody expects anything from sends no request at all", async () => {
    let wanted = false;
    const reader = new MailboxReader(store, "runs/idle/from/c1", new PollDelay(50, 50), {
      onMessages: () => {}, onFailure: () => {}, busy: () => wanted, wanted: () => wanted,
    });
    reader.hurry();
    await sleep(500);
    expect(reader.polls).toBe(0);
    wanted = true;
    reader.hurry();
    await sleep(300);
    reader.stop();
    expect(reader.polls).toBeGreaterThan(2);
  });

  it("an idle reader falls off to its idle interval: requests per minute are bounded by 60 000 / idleMs", async () => {
    const idleMs = 400;
    const reader = new MailboxReader(store, "runs/falloff/to/c1", new PollDelay(50, idleMs, 0), { onMessages: () => {}, onFailure: () => {}, busy: () => false, keepAlive: true });
    reader.hurry();
    await sleep(2_000);
    const rampedUp = reader.polls;
    await sleep(2_000);
    reader.stop();
    const steady = reader.polls - rampedUp;
    // 10, 20, 40, … 400 ms: 6 polls to fall off, then one per idleMs (2 s / 400 ms = 5, ±1 for timing).
    expect(rampedUp).toBeLessThanOrEqual(6 + 5 + 1);
    expect(steady).toBeLessThanOrEqual(Math.ceil(2_000 / idleMs) + 1);
  });
});

describe("a Batch child's transport", () => {
  const config = (overrides: Partial<RunConfig> = {}): RunConfig => ({
    version: 1, runId: "t", bucket: s3.bucket, runPrefix: "runs/child", code: { child: "", core: "" }, threads: 1,
    pollMs: 50, idlePollMs: 200, idleTimeoutMs: 60_000, heartbeatMs: 300, s3: {}, ...overrides,
  });

  it("says ready in hello/, takes batches from its inbox, answers in its outbox, and beats while it holds a batch", async () => {
    const transport = new ChildTransport(store, config(), "job1-0-1");
    const toChild = new MailboxWriter(store, "runs/child/to/job1-0-1", () => {});
    const fromChild: unknown[] = [];
    const reader = new MailboxReader(store, "runs/child/from/job1-0-1", new PollDelay(50, 50), { onMessages: (m) => fromChild.push(...m), onFailure: () => {}, busy: () => true });
    const got: unknown[] = [];
    transport.onMessage((message) => got.push(message));
    transport.send({ type: "ready", protocol: 1, info: { worker: "batch child 0", pid: 1, cores: 2 } } as never);
    await sleep(300);
    const hello = await store.get("runs/child/hello/job1-0-1/ready");
    expect(decodeBody(hello as Uint8Array)).toEqual([{ type: "ready", protocol: 1, info: { worker: "batch child 0", pid: 1, cores: 2 } }]);

    toChild.send({ type: "batch", batchId: 7, task: { moduleUrl: "s3://b/code/h/t.mjs", name: "t" }, items: [{ index: 0, input: 1 }] });
    await until(() => got.length === 1);
    reader.hurry();
    // Holding batch 7: heartbeats every 300 ms.
    await sleep(1_000);
    const beats = fromChild.filter((m) => (m as { type: string }).type === "pong").length;
    expect(beats).toBeGreaterThanOrEqual(2);
    transport.send({ type: "batch-result", batchId: 7, worker: "batch child 0", outcomes: [{ type: "value", index: 0, value: 2, workMs: 1 }] } as never);
    await until(() => fromChild.some((m) => (m as { type: string }).type === "batch-result"));
    // Nothing held: no more heartbeats.
    const before = fromChild.length;
    await sleep(1_000);
    expect(fromChild.length).toBe(before);
    reader.stop();
    transport.close("test over");
  });

  it("stops by itself after idleTimeoutMs with nothing to do, and says so", async () => {
    const transport = new ChildTransport(store, config({ runPrefix: "runs/idle-child", idleTimeoutMs: 1_000 }), "job2-0-1");
    let closed = false;
    transport.onClose(() => (closed = true));
    const fromChild: unknown[] = [];
    const reader = new MailboxReader(store, "runs/idle-child/from/job2-0-1", new PollDelay(50, 50), { onMessages: (m) => fromChild.push(...m), onFailure: () => {}, busy: () => true });
    reader.hurry();
    await until(() => closed, 5_000);
    await transport.flush();
    await until(() => fromChild.length > 0, 3_000);
    reader.stop();
    expect(fromChild).toEqual([{ type: "child-bye", reason: expect.stringContaining("idle for") }]);
    expect(transport.closedBecause).toMatch(/idleTimeoutMs 1000/);
  });
});
