/**
 * Task semantics that must not depend on the plan: what a result hands
 * over, how a task's error travels whatever it is made of, what a result
 * that cannot be sent back turns into, and a task that does Zarr I/O itself.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWorkerCrashedError } from "../errors.js";
import { map } from "../map/map.js";
import { everywhere } from "../task/setup.js";
import { create, isUnknownCodecError, open, read, writeRegion } from "../zarr/index.js";
import {
  givesAwayKeptBuffer,
  moduleTable,
  returnsFunctionLate,
  returnsGivenAway,
  returnsModuleTable,
  scaleBand,
  setupImports,
  throwsUnreadableField,
  throwsUnreadableMessage,
} from "./tasks.js";
import type { SuiteContext } from "./index.js";
import { taskError } from "./rejection.js";


export function taskCases({ capabilities }: SuiteContext): void {
  describe("results", () => {
    it("copies memory the task still owns: its module-level table survives, map after map", async () => {
      const table = new Float64Array([1, 2, 3, 4]);
      expect(await map(returnsModuleTable, [0])).toEqual([{ table }]);
      expect(await map(returnsModuleTable, [0, 1])).toEqual([{ table }, { table }]);
      expect(moduleTable).toEqual(table);
    });

    it("delivers what the task gave away with transfer()", async () => {
      const [first, second] = await map(returnsGivenAway, [3, 1000]);
      expect(first?.block).toEqual(new Float64Array([0, 2, 4]));
      expect(second?.block.length).toBe(1000);
      expect(second?.block[999]).toBe(1998);
    });

    it("names a result whose memory an earlier transfer() moved away, never [object Object]", async () => {
      const [first] = await map(givesAwayKeptBuffer, [0]);
      expect(first?.kept).toEqual(new Float64Array([5, 6, 7]));
      // Where the memory really moves (the caller's own on sequential(), a
      // thread's), later calls return it detached; a copying transport never detaches it.
      const { values, failures } = await map(givesAwayKeptBuffer, [1, 2, 3, 4], { batchSize: 1, errors: "collect" });
      const errors = failures?.errors ?? [];
      for (const error of errors) {
        expect(error.message).toMatch(/result \d+\.kept cannot be sent back: it is a Float64Array whose memory was already moved away/);
      }
      if (capabilities.inProcess) expect(errors.map((e) => e.index)).toEqual([0, 1, 2, 3]);
      expect(values.filter((v) => v !== undefined).length + errors.length).toBe(4);
    });

    it("names a result that cannot be sent back, even after 20,000 good objects", async () => {
      const error = await taskError(map(returnsFunctionLate, [20_000]));
      expect(error.index).toBe(0);
      expect(error.message).toContain("result 0[20000].format cannot be sent back");
      expect(error.message).not.toContain("[object Object]");
      const { failures } = await map(returnsFunctionLate, [2], { errors: "collect" });
      expect(failures?.errors[0]?.message).toContain("result 0[2].format cannot be sent back");
    });
  });

  describe("task errors of any shape", () => {
    it("keeps what can be read of an error whose field getter throws", async () => {
      const error = await taskError(map(throwsUnreadableField, [0]));
      expect(isWorkerCrashedError(error)).toBe(false);
      const cause = error.cause as Error & { code?: unknown; detail?: unknown };
      expect(cause.message).toBe("the cell is bad");
      expect(cause.code).toBe("E_BAD_CELL");
      expect(cause.detail).toBeUndefined();
    });

    it("keeps the class of an error whose message getter throws, and says the message was unreadable", async () => {
      const error = await taskError(map(throwsUnreadableMessage, [0]));
      const cause = error.cause as Error;
      expect(cause.name).toBe("RangeError");
      expect(cause.message).toMatch(/message could not be read/);
      // The plan is still usable: nothing crashed.
      expect(await map(returnsGivenAway, [2])).toEqual([{ block: new Float64Array([0, 2]) }]);
    });
  });

  describe("worker set-up by module", () => {
    let knob: string | undefined;
    beforeAll(() => {
      // Small arrays run in the caller by default: send every call to the workers.
      knob = process.env.PARAZARR_INLINE_MAX_CHUNKS;
      process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";
    });
    afterAll(() => {
      if (knob === undefined) delete process.env.PARAZARR_INLINE_MAX_CHUNKS;
      else process.env.PARAZARR_INLINE_MAX_CHUNKS = knob;
    });

    it("everywhere(module): every worker imports it, once, before its next task", async () => {
      await everywhere(new URL("./setup-module.js", import.meta.url));
      const counts = await map(setupImports, Array.from({ length: 8 }, (_, i) => i), { batchSize: 1 });
      expect(counts).toEqual(Array.from({ length: 8 }, () => 1));
    });

    it("a codec registered by module reference is used by the workers to write and read", async () => {
      const { FLIP_CODEC } = await import("./codec-module.js");
      const root = await mkdtemp(join(tmpdir(), "parazarr-conformance-codec-"));
      try {
        await create(root, "flipped", { shape: [16, 4], chunks: [4, 4], dtype: "uint8", codec: "none", zarrFormat: 3 });
        const metadataPath = join(root, "flipped", "zarr.json");
        const metadata = JSON.parse(await readFile(metadataPath, "utf8"));
        metadata.codecs.push({ name: FLIP_CODEC, configuration: {} });
        await writeFile(metadataPath, JSON.stringify(metadata));
        const array = await open(root, "flipped");
        const values = Uint8Array.from({ length: 64 }, (_, i) => i + 1);
        await writeRegion(array, null, values);
        // Stored flipped: the workers ran the codec.
        const stored = await readFile(join(root, "flipped", "c", "0", "0"));
        expect(Array.from(stored)).toEqual(Array.from(values.subarray(0, 16), (v) => v ^ 0x5a));
        expect(Array.from((await read(array)).data as Uint8Array)).toEqual(Array.from(values));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });

    it("an unknown codec is refused before any task starts", async () => {
      const root = await mkdtemp(join(tmpdir(), "parazarr-conformance-unknown-codec-"));
      try {
        const array = await create(root, "a", { shape: [8], chunks: [4], dtype: "uint8", codec: "none", zarrFormat: 3 });
        const edited = { ...array, codecs: [...array.codecs, { name: "nobody-registered-this", configuration: {} }] };
        const refused = await writeRegion(edited, null, new Uint8Array(8).fill(3)).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(isUnknownCodecError(refused)).toBe(true);
        expect(await readdir(join(root, "a"))).toEqual(["zarr.json"]);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  });

  describe("a task that does Zarr I/O itself", () => {
    it("reads one array and writes another with read and writeRegion", async () => {
      const root = await mkdtemp(join(tmpdir(), "parazarr-conformance-task-io-"));
      try {
        const options = { shape: [32, 6], chunks: [8, 6], dtype: "float32", codec: "zstd" } as const;
        const source = await create(root, "source", options);
        const target = await create(root, "target", options);
        await writeRegion(source, null, Float32Array.from({ length: 32 * 6 }, (_, i) => i));
        const bands: Array<[number, number]> = [[0, 8], [8, 16], [16, 24], [24, 32]];
        expect(await map(scaleBand, bands.map((rows) => ({ root, rows })))).toEqual([1, 1, 1, 1]);
        const result = await read(target);
        expect(Array.from(result.data as Float32Array)).toEqual(Array.from({ length: 32 * 6 }, (_, i) => i * 10));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  });
}
