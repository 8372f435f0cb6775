/**
 * Every error a public Zarr call raises is a tagged parazarr error that
 * names the offending thing: bad codec configurations, corrupt parent
 * metadata, unwritable stores (with the system error as cause), file URLs
 * naming another host, aborted writes, reads too big to hold.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  create, open, read, sequential, setPlan, writeRegion,
  isAbortError, isFileStoreError, isMetadataError, isReadTooLargeError, isStoreSpecError,
} from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { snapshotStore, tempDirs, rejection } from "./fixtures/zarr-helpers.js";

const { temp, removeAll } = tempDirs();

beforeAll(async () => {
  await setPlan(threads(2));
});
afterAll(async () => {
  await setPlan(sequential());
  removeAll();
});

function editJson(file: string, edit: (doc: Record<string, any>) => void): void {
  const doc = JSON.parse(readFileSync(file, "utf8"));
  edit(doc);
  writeFileSync(file, JSON.stringify(doc));
}

describe("invalid codec configurations in metadata are a MetadataError naming the field", () => {
  it('v2 zstd { level: "abc" }', async () => {
    const root = temp("codec-zstd");
    await create(root, "a", { shape: [8], chunks: [4], dtype: "float32", codec: "zstd", zarrFormat: 2 });
    editJson(join(root, "a", ".zarray"), (doc) => (doc.compressor = { id: "zstd", level: "abc" }));
    const error = await rejection(open(root, "a"));
    if (!isMetadataError(error)) throw new Error(`expected a MetadataError, got ${String(error)}`);
    expect(error.field).toBe("a/.zarray: compressor.level");
    expect(error.message).toContain('"abc"');
  });

  it("v2 blosc { clevel: 99 }", async () => {
    const root = temp("codec-blosc");
    await create(root, "a", { shape: [8], chunks: [4], dtype: "float32", codec: "blosc", zarrFormat: 2 });
    editJson(join(root, "a", ".zarray"), (doc) => (doc.compressor.clevel = 99));
    const error = await rejection(open(root, "a"));
    if (!isMetadataError(error)) throw new Error(`expected a MetadataError, got ${String(error)}`);
    expect(error.field).toBe("a/.zarray: compressor.clevel");
    expect(error.message).toContain("99");
  });

  it('v3 zstd { level: "abc" }', async () => {
    const root = temp("codec-v3");
    await create(root, "a", { shape: [8], chunks: [4], dtype: "float32", codec: "zstd" });
    editJson(join(root, "a", "zarr.json"), (doc) => (doc.codecs[1].configuration.level = "abc"));
    const error = await rejection(open(root, "a"));
    if (!isMetadataError(error)) throw new Error(`expected a MetadataError, got ${String(error)}`);
    expect(error.field).toBe("a/zarr.json: codecs[1].configuration.level");
  });
});

describe("create", () => {
  it("a corrupt zarr.json of a parent group is a MetadataError naming it, and nothing is written", async () => {
    const root = temp("corrupt-parent");
    await create(root, "g/a", { shape: [4], chunks: [4], dtype: "int32" });
    writeFileSync(join(root, "g", "zarr.json"), '{"zarr_format": 3, "node_type": "gr');
    const before = snapshotStore(root);
    const error = await rejection(create(root, "g/b", { shape: [4], chunks: [4], dtype: "int32" }));
    if (!isMetadataError(error)) throw new Error(`expected a MetadataError, got ${String(error)}`);
    expect(error.field).toBe("g/zarr.json");
    expect(snapshotStore(root)).toEqual(before);
  });

  it("on a read-only filesystem (EROFS) is a FileStoreError with the system error as cause", async () => {
    const mountPoint = temp("readonly");
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", mountPoint]);
    try {
      // A new archive below the mount: Node's recursive mkdir reports this as ENOENT.
      const error = await rejection(create(join(mountPoint, "new", "archive.zarr"), "t", { shape: [4], chunks: [4], dtype: "int32" }));
      if (!isFileStoreError(error)) throw new Error(`expected a FileStoreError, got ${String(error)}`);
      expect(error.code).toBe("EROFS");
      expect(error.operation).toBe("write");
      expect((error.cause as { code?: string }).code).toBe("EROFS");
      expect(error.message).toContain("read-only");
      // At the mount point itself the temporary file is refused.
      const atRoot = await rejection(create(mountPoint, "t", { shape: [4], chunks: [4], dtype: "int32" }));
      expect(isFileStoreError(atRoot) && atRoot.code).toBe("EROFS");
    } finally {
      execFileSync("umount", [mountPoint]);
    }
  });

  it("without permission (EACCES) is a FileStoreError with the system error as cause", () => {
    // Root ignores permissions, so the call runs in a child process as `nobody`.
    const root = temp("no-permission");
    chmodSync(root, 0o755);
    const script = `
      import { create } from "@parazarr/core";
      const error = await create(${JSON.stringify(root)}, "t", { shape: [4], chunks: [4], dtype: "int32" }).catch((e) => e);
      console.log(JSON.stringify({ tag: error?._tag, code: error?.code, operation: error?.operation, causeCode: error?.cause?.code, message: error?.message }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { uid: 65534, gid: 65534, encoding: "utf8" });
    expect(JSON.parse(out)).toMatchObject({ tag: "FileStoreError", code: "EACCES", operation: "write", causeCode: "EACCES" });
    expect(existsSync(join(root, "zarr.json"))).toBe(false);
  });

  it("a chunk file it may not read (EACCES) fails the read with a FileStoreError naming the chunk, not as fill value", async () => {
    const root = temp("unreadable-chunk");
    chmodSync(root, 0o755);
    const array = await create(root, "t", { shape: [8], chunks: [4], dtype: "int32", codec: { name: "zstd", level: 1 } });
    await writeRegion(array, null, Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    execFileSync("chmod", ["-R", "a+rX", root]);
    chmodSync(join(root, "t", "c", "1"), 0o600);
    const script = `
      import { open, read } from "@parazarr/core";
      const array = await open(${JSON.stringify(root)}, "t");
      const error = await read(array).then(() => undefined, (e) => e);
      const store = error?.cause;
      console.log(JSON.stringify({ tag: error?._tag, storeTag: store?._tag, code: store?.code, operation: store?.operation, key: store?.key, message: error?.message }));`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { uid: 65534, gid: 65534, encoding: "utf8" });
    // The chunk task failed (TaskError), because of the store (its cause).
    expect(JSON.parse(out)).toMatchObject({ tag: "TaskError", storeTag: "FileStoreError", code: "EACCES", operation: "read", key: "/t/c/1", message: expect.stringContaining("permission denied") });
  });

  it("where a file stands in place of the store's directory is a FileStoreError", async () => {
    const parent = temp("file-in-the-way");
    writeFileSync(join(parent, "archive.zarr"), "not a directory");
    const error = await rejection(create(join(parent, "archive.zarr", "inner"), "t", { shape: [4], chunks: [4], dtype: "int32" }));
    if (!isFileStoreError(error)) throw new Error(`expected a FileStoreError, got ${String(error)}`);
    expect(["ENOTDIR", "EEXIST"]).toContain(error.code);
  });
});

describe("file URLs naming another host", () => {
  it("file://otherhost/… is a StoreSpecError naming the host, for open and create", async () => {
    const error = await rejection(open("file://otherhost/data/archive.zarr", "t"));
    if (!isStoreSpecError(error)) throw new Error(`expected a StoreSpecError, got ${String(error)}`);
    expect(error.message).toContain('"otherhost"');
    expect(isStoreSpecError(await rejection(create("file://otherhost/data/archive.zarr", "t", { shape: [4], chunks: [4], dtype: "int32" })))).toBe(true);
  });

  it("file://localhost/… is this machine", async () => {
    const root = temp("localhost-url");
    await create(`file://localhost${root}`, "t", { shape: [4], chunks: [4], dtype: "int32" });
    expect((await open(root, "t")).shape).toEqual([4]);
  });
});

describe("aborted and oversized calls", () => {
  it("writeRegion with an already aborted signal raises the AbortError that read raises, and writes nothing", async () => {
    const root = temp("aborted");
    const array = await create(root, "t", { shape: [8], chunks: [4], dtype: "int32" });
    const before = snapshotStore(root);
    const controller = new AbortController();
    controller.abort(new Error("user pressed ctrl-c"));
    const writeError = await rejection(writeRegion(array, null, new Int32Array(8), { signal: controller.signal }));
    const readError = await rejection(read(array, null, { signal: controller.signal }));
    expect(isAbortError(readError)).toBe(true);
    expect(isAbortError(writeError), String(writeError)).toBe(true);
    expect((writeError as Error).name).toBe((readError as Error).name);
    expect(snapshotStore(root)).toEqual(before);
  });

  it("read(a, null) of an array too big to hold is a ReadTooLargeError naming the size, before anything is allocated", async () => {
    const root = temp("too-big");
    const array = await create(root, "t", { shape: [2 ** 20, 2 ** 20], chunks: [1024, 1024], dtype: "float64" });
    const error = await rejection(read(array, null));
    if (!isReadTooLargeError(error)) throw new Error(`expected a ReadTooLargeError, got ${String(error)}`);
    expect(error.bytes).toBe(2 ** 43);
    expect(error.shape).toEqual([2 ** 20, 2 ** 20]);
    expect(error.message).toContain(`${2 ** 43} bytes`);
  });
});
