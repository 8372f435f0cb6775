/**
 * The seam between the conversion workflow and source formats (NetCDF
 * today, others later). Like a store, a source is named by a URL and is
 * data, never an object: each worker opens its own copy through the format
 * registered under `SourceSpec.format`, so source bytes never travel
 * through the coordinator.
 *
 * The interface is structural and small: a format opens a URL; a file lists
 * its dimensions, variables and attributes, and reads one variable's
 * hyperslab as a typed array of the values as stored (packed values stay
 * packed: the workflow decides whether to copy them bit-exactly or to
 * decode and re-encode them).
 */
import type { DType, TypedArray } from "../zarr/dtype.js";

/** What a worker needs to open a source: its URL and the name its format was registered under. */
export interface SourceSpec {
  /** `file:///abs/path.nc`, a path (made absolute by the caller), or `s3://bucket/key.nc`. */
  readonly url: string;
  /** The registered format's name ("netcdf"). */
  readonly format: string;
}

/** An attribute value as a source holds it; NC_CHAR text is a string, numeric attributes are numbers (bigint for 64-bit integers beyond 2^53). */
export type AttributeValue = string | number | bigint | readonly (number | bigint)[];

export type Attributes = Readonly<Record<string, AttributeValue>>;

export interface SourceVariable {
  readonly name: string;
  /** Dimension names, outermost first. */
  readonly dimensions: readonly string[];
  readonly shape: readonly number[];
  /** The type as stored, before any CF unpacking (int16 for a packed variable). */
  readonly dtype: DType;
  /** Every attribute, CF ones included (`units`, `calendar`, `_FillValue`, `missing_value`, `scale_factor`, `add_offset`). */
  readonly attributes: Attributes;
}

/** What identifies a source's content, so a rerun can tell a changed file from a converted one. */
export interface SourceIdentity {
  readonly size: number;
  /** Modification time in ms since the epoch, where the store has one. */
  readonly mtimeMs?: number;
  /** S3's ETag or another content token, where the store has one. */
  readonly etag?: string;
}

/** One box along each dimension: [start, stop), stop exclusive. */
export type Box = ReadonlyArray<readonly [start: number, stop: number]>;

export interface SourceFile {
  readonly url: string;
  /** The file's format as found from its magic bytes ("netcdf4", "cdf1", "cdf2"). */
  readonly kind: string;
  readonly identity: SourceIdentity;
  /** Dimension name → length, in the file's order. */
  readonly dimensions: Readonly<Record<string, number>>;
  /** Variables with a numeric type; others (strings, compounds) are listed in `skipped`. */
  readonly variables: Readonly<Record<string, SourceVariable>>;
  /** Variables left out, with the reason ("NC_STRING has no Zarr numeric dtype"). */
  readonly skipped: Readonly<Record<string, string>>;
  /** Global attributes. */
  readonly attributes: Attributes;
  /**
   * The values of `variable` inside `box`, as stored (packed stays packed),
   * in C order, native byte order. Memory is bounded by the box, never by
   * the file's size.
   */
  read(variable: string, box: Box, options?: { readonly signal?: AbortSignal }): Promise<TypedArray>;
  /** Releases the file (handles, WASM memory, a downloaded temporary). Idempotent. */
  close(): Promise<void>;
}

export interface SourceFormat {
  readonly name: string;
  /**
   * Opens `url`. Errors are tagged and name the file: a missing file, a
   * format this reader does not take (CDF-5, not NetCDF at all), a corrupt
   * header.
   */
  open(url: string, options?: { readonly signal?: AbortSignal }): Promise<SourceFile>;
}
