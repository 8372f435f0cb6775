/**
 * The Shipper: each bundle is put once per destination (core first), and
 * a batch reaches its destination naming the shipped bundles, set-up
 * modules included; core's own modules are the destination's core.mjs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BatchMessage } from "@parazarr/core/backend";
import { Shipper, TaskBundler, bundleCore, bundleEntry, isModuleBundleError, type Bundle, type CodeStore } from "@parazarr/remote";
import { DirectoryCodeStore } from "./fixtures/memory.js";

const tasksUrl = new URL("./fixtures/tasks.ts", import.meta.url).href;
const setupUrl = new URL("./fixtures/setup.ts", import.meta.url).href;
const entryPath = fileURLToPath(new URL("./fixtures/agent-entry.ts", import.meta.url));
const batchOf = (name: string, extra: Partial<BatchMessage> = {}): BatchMessage => ({
  type: "batch",
  batchId: 1,
  task: { moduleUrl: tasksUrl, name },
  items: [{ index: 0, input: 3, attempt: 1 }],
  ...extra,
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parazarr-shipper-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("Shipper", () => {
  it("puts core, the entry and each task module once per store, core first, and rewrites the batch to them", async () => {
    const bundler = new TaskBundler();
    const stores = [new DirectoryCodeStore(join(dir, "a")), new DirectoryCodeStore(join(dir, "b"))];
    const core = await bundleCore();
    for (const store of stores) {
      const shipper = new Shipper(store, bundler);
      const entryUrl = await shipper.shipEntry(await bundleEntry(entryPath, "agent.mjs"));
      const shipped = await Promise.all([shipper.shipBatch(batchOf("square")), shipper.shipBatch(batchOf("touch", { batchId: 2 }))]);
      await shipper.shipBatch(batchOf("whereAmI", { batchId: 3 }));

      expect(store.puts.map((put) => put.replace(/^[0-9a-f]{16}\//, ""))).toEqual(["core.mjs", "agent.mjs", "tasks.mjs"]);
      expect(store.puts[0]).toBe(`${core.hash}/core.mjs`);
      expect(entryUrl).toBe(pathToFileURL(join(store.dir, store.puts[1]!)).href);
      const tasksAt = pathToFileURL(join(store.dir, store.puts[2]!)).href;
      expect(shipped.map((b) => [b.batchId, b.task])).toEqual([
        [1, { moduleUrl: tasksAt, name: "square" }],
        [2, { moduleUrl: tasksAt, name: "touch" }],
      ]);
      expect(shipped[0]!.items).toEqual(batchOf("square").items);
      expect(await readFile(fileURLToPath(tasksAt), "utf8")).toContain(`../${core.hash}/core.mjs`);
    }
  });

  it("rewrites set-up modules too, and sends core's own task modules as core.mjs", async () => {
    const store = new DirectoryCodeStore(join(dir, "setup"));
    const shipper = new Shipper(store, new TaskBundler());
    const zarrTasks = new URL("./zarr/tasks.js", import.meta.resolve("@parazarr/core")).href;
    const shipped = await shipper.shipBatch(batchOf("readChunks", { task: { moduleUrl: zarrTasks, name: "readChunks" }, setup: [setupUrl, zarrTasks] }));
    const core = await bundleCore();
    const coreAt = pathToFileURL(join(store.dir, core.hash, "core.mjs")).href;
    expect(shipped.task).toEqual({ moduleUrl: coreAt, name: "readChunks" });
    expect(shipped.setup).toEqual([pathToFileURL(join(store.dir, store.puts.find((p) => p.endsWith("/setup.mjs"))!)).href, coreAt]);
    expect(store.puts.map((put) => put.replace(/^[0-9a-f]{16}\//, "")).sort()).toEqual(["core.mjs", "setup.mjs"]);
  });

  it("tries a failed put again on the next batch, and names a module it cannot bundle as the task's fault", async () => {
    let failures = 1;
    const puts: string[] = [];
    const flaky: CodeStore = {
      put: async (bundle: Bundle) => {
        puts.push(bundle.name);
        if (bundle.name === "tasks.mjs" && failures-- > 0) throw new Error("the store is down");
        return `mem://${bundle.hash}/${bundle.name}`;
      },
    };
    const shipper = new Shipper(flaky, new TaskBundler());
    await expect(shipper.shipBatch(batchOf("square"))).rejects.toThrow("the store is down");
    expect((await shipper.shipBatch(batchOf("square"))).task.moduleUrl).toMatch(/^mem:\/\/[0-9a-f]{16}\/tasks\.mjs$/);
    expect(puts).toEqual(["core.mjs", "tasks.mjs", "tasks.mjs"]);

    const error = await shipper.shipBatch(batchOf("x", { task: { moduleUrl: "https://example.invalid/tasks.mjs", name: "x" } })).catch((e: unknown) => e);
    expect(isModuleBundleError(error)).toBe(true);
    expect((error as Error).message).toContain("https://example.invalid/tasks.mjs");
  });
});
