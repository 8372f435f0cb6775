/**
 * An agent whose modules arrive under a URL it cannot import (as a Batch
 * child gets `s3://…`): `localizeModule` fetches each one once into a
 * local `<hash>/<name>` layout before the batch reaches a thread, so a
 * bundle's `../<core hash>/core.mjs` resolves. Here the "bucket" is a temp
 * directory behind a fake `fake-s3://` scheme.
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchMessage } from "@parazarr/core/worker";
import { Shipper, TaskBundler, bundleCore, bundleEntry, runAgent } from "@parazarr/remote";
import { DirectoryCodeStore, MemoryTransport } from "./fixtures/memory.js";

const tasksUrl = new URL("./fixtures/tasks.ts", import.meta.url).href;
const setupUrl = new URL("./fixtures/setup.ts", import.meta.url).href;

let dir: string;
let bucket: string;
let shipper: Shipper;
let entryUrl: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parazarr-localize-"));
  bucket = join(dir, "bucket");
  shipper = new Shipper(new DirectoryCodeStore(bucket, (hash, name) => `fake-s3://bucket/code/${hash}/${name}`), new TaskBundler());
  const agentBundle = await bundleEntry(fileURLToPath(new URL("./fixtures/agent-entry.ts", import.meta.url)), "agent.mjs");
  entryUrl = await shipper.shipEntry(agentBundle);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Downloads `fake-s3://bucket/code/<hash>/<name>` into `<local>/parazarr-code/<hash>/<name>`, counting calls. */
function fakeS3Localizer(local: string, gate?: Promise<void>) {
  const calls: string[] = [];
  const download = async (url: string) => {
    const match = /^fake-s3:\/\/bucket\/code\/([0-9a-f]{16})\/([^/]+)$/.exec(url);
    if (match === null) throw new Error(`not a shipped module: ${url}`);
    const [, hash, name] = match as unknown as [string, string, string];
    await mkdir(join(local, "parazarr-code", hash), { recursive: true });
    await copyFile(join(bucket, hash, name), join(local, "parazarr-code", hash, name));
    return pathToFileURL(join(local, "parazarr-code", hash, name));
  };
  const localize = async (url: string) => {
    calls.push(url);
    await gate;
    return (await download(url)).href;
  };
  return { calls, localize, download };
}

/**
 * A child's bootstrap: it fetches the entry, which needs core next to it,
 * before the agent starts (core.mjs first); the agent's threads run the local entry.
 */
async function bootstrap(download: (url: string) => Promise<URL>): Promise<URL> {
  await download(entryUrl.replace(/[0-9a-f]{16}\/agent\.mjs$/, `${(await bundleCore()).hash}/core.mjs`));
  return download(entryUrl);
}

let nextBatchId = 1;
const batch = (name: string, inputs: unknown[], setup?: string[], moduleUrl = tasksUrl): Promise<BatchMessage> =>
  shipper.shipBatch({
    type: "batch",
    batchId: nextBatchId++,
    task: { moduleUrl, name },
    items: inputs.map((input, index) => ({ index, input, attempt: 1 })),
    ...(setup ? { setup } : {}),
  });

const values = (result: { outcomes: readonly { type: string; value?: unknown; error?: { message: string } }[] }) =>
  result.outcomes.map((o) => (o.type === "value" ? o.value : o.error?.message));

describe("runAgent with localizeModule", () => {
  it("fetches each task and set-up module once, and runs the batches from the local copies", async () => {
    const local = join(dir, "child-1");
    const { calls, localize, download } = fakeS3Localizer(local);
    const transport = new MemoryTransport();
    const agent = runAgent(transport, { entry: await bootstrap(download), workers: 1, name: "child 1", localizeModule: localize });
    await transport.started();

    const first = await batch("square", [2, 3]);
    expect(first.task.moduleUrl).toMatch(/^fake-s3:\/\/bucket\/code\/[0-9a-f]{16}\/tasks\.mjs$/);
    const second = await batch("setupRuns", [null], [setupUrl], setupUrl);
    transport.deliver(first);
    transport.deliver(second);
    expect(values(await transport.next("batch-result", (m) => m.batchId === first.batchId))).toEqual([4, 9]);
    // The set-up module was imported (once: its task, in the same module, counts its evaluations) from its local copy.
    expect(values(await transport.next("batch-result", (m) => m.batchId === second.batchId))).toEqual([1]);
    expect(second.setup).toEqual([second.task.moduleUrl]);
    expect(calls.map((url) => url.replace(/[0-9a-f]{16}/, "<hash>"))).toEqual([
      "fake-s3://bucket/code/<hash>/tasks.mjs",
      "fake-s3://bucket/code/<hash>/setup.mjs",
    ]);
    transport.close();
    await agent;
  });

  it("without it, the same batch fails: a worker cannot import the URL as it is", async () => {
    const transport = new MemoryTransport();
    const { download } = fakeS3Localizer(join(dir, "child-2"));
    const agent = runAgent(transport, { entry: await bootstrap(download), workers: 1, name: "child 2" });
    await transport.started();
    const shipped = await batch("square", [2]);
    transport.deliver(shipped);
    const [outcome] = (await transport.next("batch-result", (m) => m.batchId === shipped.batchId)).outcomes;
    expect(outcome).toMatchObject({ type: "error" });
    transport.close();
    await agent;
  });

  it("answers a batch cancelled while its modules download without running it, and fails a batch whose module cannot be fetched", async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { localize, download } = fakeS3Localizer(join(dir, "child-3"), gate);
    const transport = new MemoryTransport();
    const agent = runAgent(transport, { entry: await bootstrap(download), workers: 1, name: "child 3", localizeModule: localize });
    await transport.started();

    const mark = join(dir, "cancelled-while-downloading");
    const cancelled = await batch("touch", [mark]);
    transport.deliver(cancelled);
    transport.deliver({ type: "cancel", batchId: cancelled.batchId });
    await transport.next("batch-cancelled", (m) => m.batchId === cancelled.batchId);
    open();

    const missing = { ...(await batch("square", [1])), task: { moduleUrl: "fake-s3://bucket/elsewhere/tasks.mjs", name: "square" } };
    const after = await batch("square", [7]);
    transport.deliver(missing);
    transport.deliver(after);
    const failed = await transport.next("batch-result", (m) => m.batchId === missing.batchId);
    expect(failed).toMatchObject({ worker: "child 3", outcomes: [{ type: "error", error: { message: "not a shipped module: fake-s3://bucket/elsewhere/tasks.mjs" } }] });
    expect(values(await transport.next("batch-result", (m) => m.batchId === after.batchId))).toEqual([49]);
    await sleep(200);
    expect(existsSync(mark)).toBe(false);
    expect(transport.received.filter((m) => "batchId" in m && m.batchId === cancelled.batchId).map((m) => m.type)).toEqual(["batch-cancelled"]);
    transport.close();
    await agent;
  });
});
