/**
 * zstd has two implementations in core: Node's own binding (node:zlib, Node
 * ≥ 22.15) and numcodecs' WASM build (older Node). CI runs this file on Node
 * 20 and on Node 24, so each path writes here and the other one (zarrita's
 * registry always decodes with numcodecs) reads what it wrote: an archive
 * written on one Node version reads on the other.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { FileSystemStore } from "@zarrita/storage";
import * as zarrita from "zarrita";
import { afterAll, describe, expect, it } from "vitest";
import { create, open, read, setPlan, sequential, writeRegion } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
// Not public: which implementation this process picked, for logs and benchmarks.
import { zstdImplementation } from "../packages/core/dist/zarr/codecs/registry.js";

const root = mkdtempSync(join(tmpdir(), "parazarr-zstd-"));
afterAll(() => {
  setPlan(sequential());
  rmSync(root, { recursive: true, force: true });
});

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const nodeHasZstd = major > 22 || (major === 22 && minor >= 15);
const field = Float32Array.from({ length: 60 * 50 }, (_, i) => Math.sin(i / 17) * 40 + (i % 7));

describe(`zstd on Node ${process.versions.node}`, () => {
  it(`is served by ${nodeHasZstd ? "node:zlib" : "numcodecs' WASM build"} on this Node`, () => {
    expect(typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === "function").toBe(nodeHasZstd);
    expect(zstdImplementation()).toBe(nodeHasZstd ? "node:zlib" : "numcodecs-wasm");
  });

  it("writes chunks on threads(2) that numcodecs' zstd decodes, at level 1 and 19", async () => {
    setPlan(threads(2));
    for (const level of [1, 19]) {
      const array = await create(`file://${root}`, `ours-${level}`, { shape: [60, 50], chunks: [16, 16], dtype: "float32", codec: { name: "zstd", level } });
      await writeRegion(array, null, field);
      const node = await zarrita.open.v3(zarrita.root(new FileSystemStore(root)).resolve(`ours-${level}`), { kind: "array" });
      const seen = await zarrita.get(node);
      expect(Array.from(seen.data as Float32Array)).toEqual(Array.from(field));
    }
  });

  it("reads chunks numcodecs' zstd wrote, on threads(2)", async () => {
    setPlan(threads(2));
    const theirs = await zarrita.create(zarrita.root(new FileSystemStore(root)).resolve("theirs"), {
      shape: [60, 50], chunkShape: [16, 16], dtype: "float32",
      codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "zstd", configuration: { level: 5, checksum: false } }],
    });
    await zarrita.set(theirs, null, { data: field, shape: [60, 50], stride: [50, 1] });
    const back = await read(await open(`file://${root}`, "theirs"), [[10, 60], null]);
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(field.subarray(500)));
  });
});
