/**
 * The seam between Zarr I/O and storage. A store is named by a URL plus
 * non-secret options (`StoreSpec`); it never crosses a boundary as an
 * object. Each worker rebuilds it from the spec and keeps it for later
 * tasks. Credentials come from the worker's own environment, never from a
 * spec, a task message or a log line.
 *
 * Keys are zarrita's absolute paths ("/group/array/c/0/1"). `openStore`
 * (index.ts) checks every key before a store sees it, so no key can escape
 * the store root.
 */
export type StoreKey = `/${string}`;

/** Non-secret options. Anything secret here would travel in task messages. */
export interface StoreOptions {
  /** S3: a custom endpoint (e.g. a local S3-protocol server). */
  readonly endpoint?: string;
  /** S3: the region (default from the environment, else "us-east-1"). */
  readonly region?: string;
  /** S3: path-style addressing (needed by most local S3 servers). */
  readonly forcePathStyle?: boolean;
}

export interface StoreSpec {
  /** `file:///abs/path`, a relative or absolute path, `https://…`, `http://…`, `s3://bucket/prefix`. */
  readonly url: string;
  readonly options?: StoreOptions;
}

/** Structural, like zarrita's AsyncReadable / AsyncMutable: zarrita can use it as it is. */
export interface Store {
  get(key: StoreKey, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  /**
   * Optional: `get`, into the start of `into` when the value fits there
   * (the result then views `into`), else into fresh memory. A read that
   * reuses its buffers saves an allocation, its page faults and its
   * garbage per chunk (the file store has it).
   */
  getInto?(key: StoreKey, into: Uint8Array, options?: { signal?: AbortSignal }): Promise<Uint8Array | undefined>;
  /** Absent on read-only stores (HTTP). Must be atomic: a reader sees the old value or the new, never a mix. */
  set?(key: StoreKey, value: Uint8Array): Promise<void>;
  /** Absent on read-only stores; deleting a missing key is not an error. */
  delete?(key: StoreKey): Promise<void>;
  /**
   * The names directly under `prefix` ("/" or "/a/b/"), a folder's with a
   * trailing "/"; nothing when it does not exist. Absent where a store
   * cannot list (HTTP): `consolidate`, claims and `validate` need it.
   */
  list?(prefix: StoreKey): AsyncIterable<string>;
  /**
   * Exclusive create: stores `value` under `key` only if nothing is there.
   * True when this call created it, false when the key existed (whoever
   * wrote it). Claims for independent writers rest on it: of any number of
   * concurrent calls for one key, exactly one answers true. Absent on
   * read-only stores.
   */
  create?(key: StoreKey, value: Uint8Array): Promise<boolean>;
  /**
   * Makes `keys` (already written) durable: after it resolves, a power loss
   * keeps them. The file store fsyncs each file and its directory; stores
   * whose writes are durable once acknowledged (S3) leave it out. A key
   * that does not exist is skipped (a chunk left empty is absent).
   */
  flush?(keys: readonly StoreKey[]): Promise<void>;
}
