/**
 * Every key passes through here before a store sees it. A chunk or metadata
 * key comes from an array path a user typed (or metadata someone else wrote),
 * so "../../etc/x" must never reach the file system or an S3 prefix.
 */
import { redactUrl } from "../../redact.js";
import { StoreKeyError } from "../errors.js";
import type { Store, StoreKey } from "./types.js";

export function checkStoreKey(key: string, url: string): asserts key is StoreKey {
  const refuse = (why: string) => {
    throw new StoreKeyError(`the key ${JSON.stringify(key)} would escape the root of the store ${redactUrl(url)}: ${why}`, key);
  };
  if (typeof key !== "string" || !key.startsWith("/")) refuse("a key must start with \"/\"");
  if (key.includes("\0")) refuse("it contains a NUL character");
  if (key.includes("\\")) refuse("it contains a backslash");
  for (const segment of key.slice(1).split("/")) {
    if (segment === ".." || segment === ".") refuse(`it contains a "${segment}" segment`);
  }
  if (/^\/[A-Za-z]:/.test(key)) refuse("it names a drive");
}

/** The same store, but every key is checked first. */
export function guardKeys(inner: Store, url: string): Store {
  const { getInto, set, delete: remove, list, create, flush } = inner;
  return {
    // async: a refused key is a rejection, like any other store failure, never a synchronous throw.
    async get(key, options) {
      checkStoreKey(key, url);
      return inner.get(key, options);
    },
    ...(getInto && {
      async getInto(key: StoreKey, into: Uint8Array, options?: { signal?: AbortSignal }) {
        checkStoreKey(key, url);
        return getInto.call(inner, key, into, options);
      },
    }),
    ...(set && {
      async set(key: StoreKey, value: Uint8Array) {
        checkStoreKey(key, url);
        return set.call(inner, key, value);
      },
    }),
    ...(remove && {
      async delete(key: StoreKey) {
        checkStoreKey(key, url);
        return remove.call(inner, key);
      },
    }),
    ...(create && {
      async create(key: StoreKey, value: Uint8Array) {
        checkStoreKey(key, url);
        return create.call(inner, key, value);
      },
    }),
    ...(flush && {
      async flush(keys: readonly StoreKey[]) {
        for (const key of keys) checkStoreKey(key, url);
        return flush.call(inner, keys);
      },
    }),
    ...(list && {
      list(prefix: StoreKey) {
        // A prefix is checked as the key of a name inside it.
        checkStoreKey(`${prefix}x`, url);
        return list.call(inner, prefix);
      },
    }),
  };
}
