/**
 * The array handle: plain, structured-clone-safe data. It travels with every
 * task, so a worker never re-reads metadata; it rebuilds the store from
 * `store` (a spec, never an object) and the codecs from `codecs`.
 */
import type { DType, Endian } from "./dtype.js";
import type { FillValue } from "./fill-value.js";
import type { StoreSpec } from "./stores/types.js";

/** One codec as Zarr v3 names it; v2 compressors and filters appear as "numcodecs.<id>". */
export interface CodecSpec {
  readonly name: string;
  readonly configuration: Readonly<Record<string, unknown>>;
}

export interface ZarrArray {
  readonly store: StoreSpec;
  /** The array's path inside the store, without leading or trailing "/" ("" at the root). */
  readonly path: string;
  readonly zarrFormat: 2 | 3;
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly dtype: DType;
  /** Byte order on disk; data in memory is always native. */
  readonly endian: Endian;
  /** Element order inside a stored chunk. */
  readonly order: "C" | "F";
  /**
   * Missing chunks read as this; chunks wholly equal to it are not stored.
   * null (v2 only): no fill value; missing chunks read as 0 and every chunk is stored.
   */
  readonly fillValue: FillValue;
  /** The codec pipeline in encode order, as zarrita's registry names codecs. */
  readonly codecs: readonly CodecSpec[];
  readonly chunkKeyEncoding: { readonly name: "default" | "v2"; readonly separator: "/" | "." };
  readonly dimensionNames: readonly string[] | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** The store key of a node's metadata or chunk: "/<path>/<name>". */
export function nodeKey(path: string, name: string): `/${string}` {
  return path === "" ? `/${name}` : `/${path}/${name}`;
}

/** The store key of the chunk at grid position `coords`. */
export function chunkKey(array: ZarrArray, coords: readonly number[]): `/${string}` {
  const { name, separator } = array.chunkKeyEncoding;
  const suffix = name === "default" ? ["c", ...coords].join(separator) : coords.join(separator) || "0";
  return nodeKey(array.path, suffix);
}

/** How many chunks along each dimension. */
export function chunkGridShape(array: Pick<ZarrArray, "shape" | "chunks">): number[] {
  return array.shape.map((size, d) => Math.ceil(size / array.chunks[d]!));
}

/** "a/b" from "/a/b/", "a/b" or "a//b"; "" for the root. */
export function normalizeArrayPath(path: string | undefined): string {
  return (path ?? "").split("/").filter((part) => part.length > 0).join("/");
}
