/**
 * Stores named by URL: the scheme picks the store, relative paths become
 * absolute file URLs on the caller's side, opened stores are kept per
 * process, every key is checked against escaping the root, and the file
 * store writes atomically.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { create, open, openStore, read, isStoreKeyError } from "@parazarr/core";
import { makeTempDir } from "./fixtures/zarr-helpers.js";

const dir = makeTempDir("stores");
afterAll(() => dir.remove());

const tagOf = (error: unknown) => (error as { _tag?: string })._tag;

describe("zarr stores", () => {
  it("a relative path becomes an absolute file:// URL in the handle, so workers elsewhere find the files", async () => {
    const rel = relative(process.cwd(), join(dir.path, "rel.zarr"));
    const array = await create(rel, "a", { shape: [3], chunks: [3], dtype: "int8" });
    expect(array.store.url).toBe(pathToFileURL(join(dir.path, "rel.zarr")).href);
    const again = await open(pathToFileURL(join(dir.path, "rel.zarr")).href, "/a/");
    expect(again).toEqual(array);
  });

  it("the same spec opens the same store once per process", async () => {
    const url = pathToFileURL(join(dir.path, "cached")).href;
    expect(await openStore({ url })).toBe(await openStore({ url }));
  });

  it("an unknown scheme is refused with a tagged error naming it", async () => {
    const error = await openStore({ url: "ftp://example.org/data.zarr" }).catch((e: unknown) => e);
    expect(tagOf(error)).toBe("StoreSpecError");
    expect(String(error)).toContain("ftp:");
  });

  it("keys that would escape the root are refused before the file system sees them", async () => {
    const store = await openStore({ url: pathToFileURL(join(dir.path, "guarded")).href });
    const bad = ["/../outside", "/a/../../outside", "/a/./b", "/a\\..\\b", "/a\0b", "no-leading-slash", "/C:/x"];
    for (const key of bad) {
      const error = await store.set!(key as `/${string}`, new Uint8Array([1])).catch((e: unknown) => e);
      expect(isStoreKeyError(error), key).toBe(true);
      const readError = await store.get(key as `/${string}`).catch((e: unknown) => e);
      expect(isStoreKeyError(readError), key).toBe(true);
    }
    expect(existsSync(join(dir.path, "outside"))).toBe(false);
    expect(existsSync(join(dir.path, "guarded"))).toBe(false);
  });

  it("the file store: missing keys read as undefined, set replaces whole files and leaves no temporary, delete is idempotent", async () => {
    const root = join(dir.path, "files");
    const store = await openStore({ url: root });
    expect(await store.get("/nothing/here")).toBeUndefined();
    await store.set!("/deep/er/key", new Uint8Array([1, 2, 3]));
    await store.set!("/deep/er/key", new Uint8Array([9, 8]));
    expect(Array.from(readFileSync(join(root, "deep/er/key")))).toEqual([9, 8]);
    expect(readdirSync(join(root, "deep/er"))).toEqual(["key"]);
    expect(Array.from((await store.get("/deep/er/key"))!)).toEqual([9, 8]);
    await store.delete!("/deep/er/key");
    await store.delete!("/deep/er/key");
    expect(await store.get("/deep/er/key")).toBeUndefined();
  });

  it("an HTTP store is read-only: no set, no delete", async () => {
    const store = await openStore({ url: "http://127.0.0.1:9/data.zarr" });
    expect(store.set).toBeUndefined();
    expect(store.delete).toBeUndefined();
  });

  it("a missing chunk reads as the fill value", async () => {
    const array = await create(join(dir.path, "sparse"), "s", { shape: [6], chunks: [2], dtype: "float64", fillValue: -9.5 });
    expect(Array.from((await read(array)).data as Float64Array)).toEqual([-9.5, -9.5, -9.5, -9.5, -9.5, -9.5]);
  });

  it("the file store reads into a buffer it is given when the value fits, else into fresh memory; a missing key or a directory is undefined", async () => {
    const store = await openStore({ url: pathToFileURL(join(dir.path, "into")).href });
    const value = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 256);
    await store.set!("/k/0", value);
    const into = new Uint8Array(8192).fill(7);
    const read = await store.getInto!("/k/0", into);
    expect(read?.buffer).toBe(into.buffer);
    expect(Buffer.compare(read!, value)).toBe(0);
    const small = new Uint8Array(100);
    const fresh = await store.getInto!("/k/0", small);
    expect(fresh?.buffer).not.toBe(small.buffer);
    expect(Buffer.compare(fresh!, value)).toBe(0);
    // A later value replaces the file (rename): the same buffer reads the new one whole.
    const shorter = value.subarray(0, 10);
    await store.set!("/k/0", shorter);
    expect(Buffer.compare((await store.getInto!("/k/0", into))!, shorter)).toBe(0);
    expect(await store.getInto!("/k/missing", into)).toBeUndefined();
    expect(await store.getInto!("/k", into)).toBeUndefined();
    expect((await store.getInto!("/k/empty", new Uint8Array(0)))).toBeUndefined();
    await store.set!("/k/empty", new Uint8Array(0));
    expect((await store.getInto!("/k/empty", into))?.length).toBe(0);
    const escaping = await store.getInto!("/../../etc/passwd" as `/${string}`, into).catch((error: unknown) => error);
    expect(isStoreKeyError(escaping)).toBe(true);
  });
});
