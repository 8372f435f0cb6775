/**
 * Tagged errors of the Zarr layer. Every refusal of bad input is one of
 * these, raised on the caller's side before the first byte is written, so
 * the store is unchanged. Fields are plain data: they survive the trip from
 * a worker (see worker/wire-error.ts) and callers can match on `_tag`.
 */
import { hasTag, ParazarrError } from "../errors.js";
import { redactUrl } from "../redact.js";

/** A selection or region that is out of bounds, of the wrong rank or malformed. */
export class SelectionError extends ParazarrError {
  readonly _tag = "SelectionError" as const;
  constructor(
    message: string,
    /** The offending dimension, when one is to blame. */
    readonly dimension?: number,
  ) {
    super(message);
    this.name = "SelectionError";
  }
}

/** Data given to `writeRegion` (or `out` given to `read`) whose shape or dtype does not match. */
export class DataMismatchError extends ParazarrError {
  readonly _tag = "DataMismatchError" as const;
  constructor(
    message: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(message);
    this.name = "DataMismatchError";
  }
}

/** No array at the path (or a group where an array was expected). */
export class ArrayNotFoundError extends ParazarrError {
  readonly _tag = "ArrayNotFoundError" as const;
  /** The store's URL, without user info or query (where tokens live). */
  readonly url: string;
  constructor(
    message: string,
    url: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "ArrayNotFoundError";
    this.url = redactUrl(url);
  }
}

/** `create` found an array or group where it was asked to create one. */
export class ArrayExistsError extends ParazarrError {
  readonly _tag = "ArrayExistsError" as const;
  /** The store's URL, without user info or query (where tokens live). */
  readonly url: string;
  constructor(
    message: string,
    url: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "ArrayExistsError";
    this.url = redactUrl(url);
  }
}

/** Metadata (read from a store or given to `create`) that is malformed or unsupported; names the field. */
export class MetadataError extends ParazarrError {
  readonly _tag = "MetadataError" as const;
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "MetadataError";
  }
}

/** A codec nobody registered; the message says how to register one. */
export class UnknownCodecError extends ParazarrError {
  readonly _tag = "UnknownCodecError" as const;
  constructor(readonly codec: string) {
    super(
      `unknown codec ${JSON.stringify(codec)}: no decoder is registered under that name. ` +
        `Register one with registerCodec(import.meta.url, ${JSON.stringify(codec)}, async () => ({ fromConfig })) from @parazarr/core ` +
        `in a module your script imports (every worker imports it too), or use one of the built-in codecs (zstd, blosc, gzip, zlib).`,
    );
    this.name = "UnknownCodecError";
  }
}

/** An independent write whose region edge cuts through a chunk. */
export class ChunkAlignmentError extends ParazarrError {
  readonly _tag = "ChunkAlignmentError" as const;
  constructor(
    readonly dimension: number,
    readonly edge: "start" | "stop",
    readonly value: number,
    /** The chunk boundaries just below and above the edge. */
    readonly below: number,
    readonly above: number,
  ) {
    super(
      `writeRegion(independent: true): the region's ${edge} ${value} in dimension ${dimension} cuts through a chunk; ` +
        `the nearest chunk boundaries are ${below} and ${above}. Independent writers must cover whole chunks, ` +
        `or another writer's chunk could lose an update.`,
    );
    this.name = "ChunkAlignmentError";
  }
}

/** A chunk or metadata key that would escape the store root. */
export class StoreKeyError extends ParazarrError {
  readonly _tag = "StoreKeyError" as const;
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = "StoreKeyError";
  }
}

/** A write to a store that cannot be written (HTTP). */
export class ReadOnlyStoreError extends ParazarrError {
  readonly _tag = "ReadOnlyStoreError" as const;
  readonly url: string;
  constructor(url: string) {
    super(`the store ${redactUrl(url)} is read-only: it cannot be written to`);
    this.url = redactUrl(url);
    this.name = "ReadOnlyStoreError";
  }
}

/** A stored chunk whose decoded size is not the one the array's metadata gives: truncated, padded or not this array's. */
export class ChunkSizeError extends ParazarrError {
  readonly _tag = "ChunkSizeError" as const;
  constructor(
    readonly key: string,
    readonly expectedBytes: number,
    readonly actualBytes: number,
  ) {
    super(
      `chunk ${key} decodes to ${actualBytes} bytes, but the array's metadata says a chunk holds ${expectedBytes} bytes: ` +
        `the chunk is truncated, padded or belongs to another array`,
    );
    this.name = "ChunkSizeError";
  }
}
/**
 * A stored chunk its codecs refused (corrupt, or written with other
 * settings): names the chunk, so the one bad file in a large archive can be
 * found; the codec's own error is the `cause`.
 */
export class ChunkDecodeError extends ParazarrError {
  readonly _tag = "ChunkDecodeError" as const;
  constructor(
    readonly key: string,
    readonly codec: string,
    cause: unknown,
  ) {
    super(`chunk ${key} could not be decoded by codec ${codec}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "ChunkDecodeError";
  }
}

/** A read whose result could not be held in memory: refused before anything is allocated or fetched. */
export class ReadTooLargeError extends ParazarrError {
  readonly _tag = "ReadTooLargeError" as const;
  constructor(
    message: string,
    /** The selection's shape and the bytes its result would take. */
    readonly shape: readonly number[],
    readonly bytes: number,
    /** The most this process can hold in one typed array here. */
    readonly limit: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ReadTooLargeError";
  }
}
/**
 * A `file://` store on a plan whose workers may run on other machines,
 * outside every path the plan declares shared: each host would write to
 * its own disk while the call reported success.
 */
export class StoreNotSharedError extends ParazarrError {
  readonly _tag = "StoreNotSharedError" as const;
  constructor(
    message: string,
    readonly url: string,
    /** The plan, as it prints itself. */
    readonly plan: string,
  ) {
    super(message);
    this.name = "StoreNotSharedError";
  }
}

// Guards match on the tag, not instanceof: a worker may load a second copy of core.
export const isSelectionError = (e: unknown): e is SelectionError => hasTag(e, "SelectionError");
export const isDataMismatchError = (e: unknown): e is DataMismatchError => hasTag(e, "DataMismatchError");
export const isArrayNotFoundError = (e: unknown): e is ArrayNotFoundError => hasTag(e, "ArrayNotFoundError");
export const isArrayExistsError = (e: unknown): e is ArrayExistsError => hasTag(e, "ArrayExistsError");
export const isMetadataError = (e: unknown): e is MetadataError => hasTag(e, "MetadataError");
export const isUnknownCodecError = (e: unknown): e is UnknownCodecError => hasTag(e, "UnknownCodecError");
export const isChunkAlignmentError = (e: unknown): e is ChunkAlignmentError => hasTag(e, "ChunkAlignmentError");
export const isStoreKeyError = (e: unknown): e is StoreKeyError => hasTag(e, "StoreKeyError");
export const isReadOnlyStoreError = (e: unknown): e is ReadOnlyStoreError => hasTag(e, "ReadOnlyStoreError");
export const isChunkSizeError = (e: unknown): e is ChunkSizeError => hasTag(e, "ChunkSizeError");
export const isChunkDecodeError = (e: unknown): e is ChunkDecodeError => hasTag(e, "ChunkDecodeError");
export const isReadTooLargeError = (e: unknown): e is ReadTooLargeError => hasTag(e, "ReadTooLargeError");
export const isStoreNotSharedError = (e: unknown): e is StoreNotSharedError => hasTag(e, "StoreNotSharedError");

/** An option of read, writeRegion or create that is unknown or has a value it does not allow. */
export class ZarrOptionError extends ParazarrError {
  readonly _tag = "ZarrOptionError" as const;
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
    this.name = "ZarrOptionError";
  }
}

export const isZarrOptionError = (e: unknown): e is ZarrOptionError => hasTag(e, "ZarrOptionError");
