/**
 * What a worker moves back and what it copies: the transfer list core's
 * worker loop hands its transport. core's read task gives its freshly
 * decoded blocks away (no copy on the way back); a task's own memory is
 * never on the list.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, writeRegion, type ZarrArray } from "@parazarr/core";
import { serveWorker, type FromWorker, type ToWorker } from "@parazarr/core/worker";

const coreDist = new URL("../dist/", import.meta.url);
const conformanceTasks = new URL("conformance/tasks.js", coreDist).href;
const zarrTasks = new URL("zarr/tasks.js", coreDist).href;

interface Sent {
  message: FromWorker;
  transfer: ArrayBuffer[];
}

function loop(send: (message: FromWorker, transfer: ArrayBuffer[]) => void = () => {}) {
  const sent: Sent[] = [];
  let deliver: (message: unknown) => void = () => {};
  serveWorker(
    {
      send: (message, transfer) => {
        send(message, transfer);
        sent.push({ message, transfer });
      },
      onMessage: (listener) => (deliver = listener),
    },
    { info: { worker: "test worker", pid: process.pid, cores: 1 }, onShutdown: () => {} },
  );
  const result = async (batch: ToWorker & { type: "batch" }) => {
    deliver(batch);
    for (let i = 0; i < 400; i++) {
      const found = sent.find((s) => s.message.type === "batch-result" && s.message.batchId === batch.batchId);
      if (found) return found as Sent & { message: Extract<FromWorker, { type: "batch-result" }> };
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no result for batch ${batch.batchId}`);
  };
  return { result };
}

let root: string;
let array: ZarrArray;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "parazarr-transfer-"));
  array = await create(root, "a", { shape: [8, 8], chunks: [4, 8], dtype: "float64", codec: "zstd" });
  await writeRegion(array, null, Float64Array.from({ length: 64 }, (_, i) => i));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("the worker loop's transfer list", () => {
  it("holds the blocks core's read task decoded, so they are moved, not copied", async () => {
    const parts = [0, 1].map((row) => ({ coords: [row, 0], chunkStart: [0, 0], selectionStart: [4 * row, 0], count: [4, 8], whole: true }));
    const { message, transfer } = await loop().result({
      type: "batch",
      batchId: 1,
      task: { moduleUrl: zarrTasks, name: "readChunks" },
      items: [{ index: 0, input: { array, parts }, attempt: 1 }],
    });
    const outcome = message.outcomes[0]!;
    expect(outcome.type).toBe("value");
    const blocks = (outcome as { value: Float64Array[] }).value;
    expect(Array.from(blocks[1]!.subarray(0, 3))).toEqual([32, 33, 34]);
    expect(transfer).toEqual(blocks.map((block) => block.buffer));
  });

  it("leaves out memory the task keeps (a module-level table)", async () => {
    const { message, transfer } = await loop().result({
      type: "batch",
      batchId: 2,
      task: { moduleUrl: conformanceTasks, name: "returnsModuleTable" },
      items: [{ index: 0, input: 0, attempt: 1 }],
    });
    expect(message.outcomes[0]?.type).toBe("value");
    expect(transfer).toEqual([]);
  });

  it("answers a batch whose send the transport refused, naming why, instead of leaving it unanswered", async () => {
    let refusals = 0;
    const w = loop((message) => {
      if (message.type === "batch-result" && refusals++ === 0) throw new Error("the channel refused this message");
    });
    const { message } = await w.result({
      type: "batch",
      batchId: 3,
      task: { moduleUrl: conformanceTasks, name: "square" },
      items: [{ index: 0, input: 3, attempt: 1 }],
    });
    expect(message.outcomes).toMatchObject([
      { type: "error", index: 0, error: { message: "a result could not be sent back: the channel refused this message" } },
    ]);
  });
});
