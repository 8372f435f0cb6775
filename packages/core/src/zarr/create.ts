/**
 * `create(url, path, spec)`: writes an array's metadata (no chunks), and the
 * groups above it when missing. Zarr v3 (`zarr.json`) or v2 (`.zarray`,
 * `.zattrs` with xarray's `_ARRAY_DIMENSIONS`, and a consolidated
 * `.zmetadata` on the root group, so `xarray.open_zarr` finds everything in
 * one read). Every option is checked before anything is written.
 */
import { nodeKey, normalizeArrayPath, type ZarrArray } from "./array.js";
import { resolveCodecOption, type CodecOption } from "./codec-option.js";
import { checkCodecs } from "./codecs/pipeline.js";
import { bytesPerElement, isBigInt, isFloat, parseDtype, toNumpyDtype, type DType } from "./dtype.js";
import { redactUrl } from "../redact.js";
import { ArrayExistsError, MetadataError, ReadOnlyStoreError } from "./errors.js";
import { fillValueToJson, parseFillValue, type FillValue } from "./fill-value.js";
import { stringifyJsonExact } from "./json.js";
import { parseJson, parseV2, parseV3 } from "./parse-metadata.js";
import { checkStoreKey, normalizeStoreSpec, openStore, type Store } from "./stores/index.js";
import type { StoreSpec } from "./stores/types.js";
import { checkOptionNames } from "./work-plan.js";
import { updateConsolidated } from "./consolidated.js";
import { oneAtATime } from "./one-at-a-time.js";
import { getPlan } from "../plan/current.js";
import { checkStoreShared } from "./shared-store.js";

export interface CreateOptions {
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  /** "float32", "int16", … or a numpy string; ">f4" makes a big-endian array. */
  readonly dtype: DType | string;
  /** Default "zstd" (level 1). */
  readonly codec?: CodecOption;
  /**
   * What missing chunks read as, checked against the dtype (uint8 300 is
   * refused). NaN and ±Infinity are allowed for floats; a bigint gives a
   * 64-bit integer exactly. Default: NaN for floats; for integers no fill
   * value (null) in v2 and 0 in v3, which requires one. xarray takes a
   * given fill value as `_FillValue`: elements equal to it read as NaN
   * there (see the README).
   */
  readonly fillValue?: number | bigint | null;
  readonly dimensionNames?: readonly string[];
  readonly attributes?: Readonly<Record<string, unknown>>;
  /** Default 3. */
  readonly zarrFormat?: 2 | 3;
  /** Element order inside a chunk; "F" only for Zarr v2. Default "C". */
  readonly order?: "C" | "F";
}

const OPTIONS = ["shape", "chunks", "dtype", "codec", "fillValue", "dimensionNames", "attributes", "zarrFormat", "order"];

type Json = Record<string, unknown>;

function wholeNumbers(value: unknown, field: string, min: number): number[] {
  if (!Array.isArray(value) || !value.every((n) => Number.isSafeInteger(n) && n >= min)) {
    throw new MetadataError(`create: ${field} must be a list of whole numbers ≥ ${min}, got ${JSON.stringify(value)}`, field);
  }
  return [...value] as number[];
}

/**
 * The defaults are the ones xarray reads without masking real data: it
 * takes a v2 `fill_value` as `_FillValue`, so a default of 0 would turn
 * every real 0 into NaN. NaN masks nothing real in a float array; an
 * integer array has no fill value at all in v2. Zarr v3 requires one.
 */
function fillValueOf(given: unknown, dtype: DType, format: 2 | 3): FillValue {
  if (given === null && format === 3) {
    throw new MetadataError("create: fillValue null (no fill value) needs zarrFormat 2; Zarr v3 requires a fill value", "fillValue");
  }
  if (given !== undefined) return parseFillValue(given, dtype, "fillValue");
  if (isFloat(dtype)) return Number.NaN;
  return format === 2 ? null : isBigInt(dtype) ? 0n : 0;
}

interface Documents {
  readonly format: 2 | 3;
  /** Store key → JSON document, for the array node. */
  readonly files: ReadonlyArray<[name: string, doc: Json]>;
  readonly array: (spec: StoreSpec, path: string) => ZarrArray;
}

function buildDocuments(options: CreateOptions): Documents {
  checkOptionNames("create", options, OPTIONS);
  const shape = wholeNumbers(options.shape, "shape", 0);
  const chunks = wholeNumbers(options.chunks, "chunks", 1);
  if (chunks.length !== shape.length) {
    throw new MetadataError(`create: chunks has ${chunks.length} entries but shape has ${shape.length}`, "chunks");
  }
  const { dtype, endian } = parseDtype(options.dtype, "dtype");
  const format = options.zarrFormat ?? 3;
  if (format !== 2 && format !== 3) throw new MetadataError(`create: zarrFormat must be 2 or 3, got ${JSON.stringify(format)}`, "zarrFormat");
  const fillValue = fillValueOf(options.fillValue, dtype, format);
  const order = options.order ?? "C";
  if (order !== "C" && (order !== "F" || format !== 2)) {
    throw new MetadataError(`create: order must be "C"${format === 2 ? ' or "F"' : ' (order "F" needs zarrFormat 2)'}, got ${JSON.stringify(order)}`, "order");
  }
  const names = options.dimensionNames;
  if (names !== undefined && (!Array.isArray(names) || names.length !== shape.length || !names.every((n) => typeof n === "string"))) {
    throw new MetadataError(`create: dimensionNames must be ${shape.length} strings, got ${JSON.stringify(names)}`, "dimensionNames");
  }
  const attributes = options.attributes ?? {};
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw new MetadataError("create: attributes must be a plain object", "attributes");
  }
  const codec = resolveCodecOption(options.codec, bytesPerElement(dtype));
  if (format === 3) {
    const doc: Json = {
      zarr_format: 3,
      node_type: "array",
      shape,
      data_type: dtype,
      chunk_grid: { name: "regular", configuration: { chunk_shape: chunks } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: fillValueToJson(fillValue),
      codecs: [{ name: "bytes", configuration: { endian } }, ...(codec.v3 ? [codec.v3] : [])],
      attributes,
      ...(names ? { dimension_names: names } : {}),
    };
    return { format, files: [["zarr.json", doc]], array: (spec, path) => parseV3(doc, spec, path) };
  }
  const zarray: Json = {
    zarr_format: 2,
    shape,
    chunks,
    dtype: toNumpyDtype(dtype, endian),
    compressor: codec.v2,
    fill_value: fillValueToJson(fillValue),
    order,
    filters: null,
    dimension_separator: ".",
  };
  const zattrs: Json = { ...attributes, ...(names ? { _ARRAY_DIMENSIONS: names } : {}) };
  return {
    format,
    files: [[".zarray", zarray], [".zattrs", zattrs]],
    array: (spec, path) => parseV2(zarray, zattrs, spec, path),
  };
}

const encode = (doc: Json) => new TextEncoder().encode(stringifyJsonExact(doc));

export async function create(url: string | StoreSpec, path: string, options: CreateOptions): Promise<ZarrArray> {
  const spec = normalizeStoreSpec(url);
  const arrayPath = normalizeArrayPath(path);
  checkStoreKey(nodeKey(arrayPath, "zarr.json"), spec.url);
  const documents = buildDocuments(options);
  const array = documents.array(spec, arrayPath);
  await checkCodecs(array);
  checkStoreShared("create", spec, getPlan());
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  // From the existence check to the last write: two creates of one path at
  // once must not both find it free (one-at-a-time.ts).
  await oneAtATime("create", spec, () => writeNode(store, spec, arrayPath, documents));
  return array;
}

async function writeNode(store: Store, spec: StoreSpec, arrayPath: string, documents: Documents): Promise<void> {
  const groups = await missingGroups(store, spec, arrayPath, documents.format);
  for (const group of groups) await writeGroup(store, group, documents.format);
  for (const [name, doc] of documents.files) await store.set!(nodeKey(arrayPath, name), encode(doc));
  if (documents.format === 2) {
    await updateConsolidated(spec, store, [
      ...groups.map((g) => [nodeKey(g, ".zgroup"), { zarr_format: 2 }] as [string, Json]),
      ...documents.files.map(([name, doc]) => [nodeKey(arrayPath, name), doc] as [string, Json]),
    ]);
  }
}

/** The ancestors of `path` that have no group yet; refuses an existing node at `path` or an array above it. */
async function missingGroups(store: Store, spec: StoreSpec, path: string, format: 2 | 3): Promise<string[]> {
  const parts = path === "" ? [] : path.split("/");
  const ancestors = parts.map((_, i) => parts.slice(0, i).join("/"));
  for (const name of ["zarr.json", ".zarray", ".zgroup"]) {
    if ((await store.get(nodeKey(path, name))) !== undefined) {
      throw new ArrayExistsError(`create: ${redactUrl(spec.url)} already holds a node at ${JSON.stringify(path || "/")} (${name})`, spec.url, path);
    }
  }
  const missing: string[] = [];
  for (const ancestor of ancestors) {
    const array = await store.get(nodeKey(ancestor, format === 3 ? "zarr.json" : ".zarray"));
    // A corrupt zarr.json above is a MetadataError naming it, before anything is written.
    if (array !== undefined && (format === 2 || parseJson(array, `${ancestor || "/"}/zarr.json`).node_type === "array")) {
      throw new ArrayExistsError(`create: ${JSON.stringify(ancestor || "/")} in ${redactUrl(spec.url)} is an array; it cannot hold ${JSON.stringify(path)}`, spec.url, ancestor);
    }
    if (array === undefined && (format === 3 || (await store.get(nodeKey(ancestor, ".zgroup"))) === undefined)) missing.push(ancestor);
  }
  return missing;
}

async function writeGroup(store: Store, path: string, format: 2 | 3): Promise<void> {
  const doc = format === 3 ? { zarr_format: 3, node_type: "group", attributes: {} } : { zarr_format: 2 };
  await store.set!(nodeKey(path, format === 3 ? "zarr.json" : ".zgroup"), encode(doc));
}
