/**
 * Reads v3 `zarr.json` and v2 `.zarray`/`.zattrs` into the plain array
 * handle, checking each field once, here, with a message naming it. The v2
 * translation mirrors zarrita 0.7's `v2ToV3ArrayMetadata`: order "F" becomes
 * a transpose codec, filters and the compressor become "numcodecs.<id>".
 */
import type { CodecSpec, ZarrArray } from "./array.js";
import { checkCodecConfig } from "./codecs/config-check.js";
import { parseDtype, type Endian } from "./dtype.js";
import { MetadataError } from "./errors.js";
import { parseFillValue } from "./fill-value.js";
import { parseJsonExact } from "./json.js";
import type { StoreSpec } from "./stores/types.js";

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseJson(bytes: Uint8Array, field: string): Json {
  let parsed: unknown;
  try {
    parsed = parseJsonExact(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new MetadataError(`${field}: not valid JSON (${(cause as Error).message})`, field);
  }
  if (!isObject(parsed)) throw new MetadataError(`${field}: expected a JSON object`, field);
  return parsed;
}

function intList(value: unknown, field: string, min: number): number[] {
  if (!Array.isArray(value) || !value.every((n) => Number.isSafeInteger(n) && (n as number) >= min)) {
    throw new MetadataError(`${field}: expected a list of whole numbers ≥ ${min}, got ${JSON.stringify(value)}`, field);
  }
  return value as number[];
}

function checkRank(shape: number[], chunks: number[], field: string): void {
  if (chunks.length !== shape.length) {
    throw new MetadataError(`${field}: ${chunks.length} chunk sizes for ${shape.length} dimensions`, field);
  }
}

function stringList(value: unknown, rank: number, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== rank || !value.every((v) => typeof v === "string" || v === null)) {
    throw new MetadataError(`${field}: expected ${rank} dimension names, got ${JSON.stringify(value)}`, field);
  }
  return value.map((v) => (v === null ? "" : String(v)));
}

function parseCodecs(value: unknown, field: string): CodecSpec[] {
  if (!Array.isArray(value) || value.length === 0) throw new MetadataError(`${field}: expected a list of codecs`, field);
  return value.map((codec, i) => {
    if (typeof codec === "string") return { name: codec, configuration: {} };
    if (!isObject(codec) || typeof codec.name !== "string") {
      throw new MetadataError(`${field}[${i}]: expected {"name": …, "configuration": …}`, `${field}[${i}]`);
    }
    const configuration = codec.configuration ?? {};
    if (!isObject(configuration)) throw new MetadataError(`${field}[${i}].configuration: expected an object`, `${field}[${i}]`);
    if (codec.name === "sharding_indexed") {
      throw new MetadataError(`${field}[${i}]: sharded arrays (sharding_indexed) are not supported`, `${field}[${i}]`);
    }
    checkCodecConfig(codec.name, configuration, `${field}[${i}].configuration`);
    return { name: codec.name, configuration };
  });
}

/** "C" or "F" from a v3 transpose codec; other permutations are refused. */
function orderOf(codecs: CodecSpec[], rank: number, field: string): "C" | "F" {
  const transpose = codecs.find((c) => c.name === "transpose");
  if (transpose === undefined) return "C";
  const order = transpose.configuration.order;
  if (order === "C" || order === "F") return order;
  if (Array.isArray(order) && order.every((axis, i) => axis === i)) return "C";
  if (Array.isArray(order) && order.every((axis, i) => axis === rank - 1 - i)) return "F";
  throw new MetadataError(`${field}: transpose order ${JSON.stringify(order)} is not supported (only C and F)`, field);
}

export function parseV3(doc: Json, store: StoreSpec, path: string): ZarrArray {
  const where = (f: string) => `${path || "/"}/zarr.json: ${f}`;
  if (doc.node_type !== "array") {
    throw new MetadataError(`${where("node_type")} is ${JSON.stringify(doc.node_type)}, not "array"`, "node_type");
  }
  const shape = intList(doc.shape, where("shape"), 0);
  const grid = doc.chunk_grid;
  if (!isObject(grid) || grid.name !== "regular" || !isObject(grid.configuration)) {
    throw new MetadataError(`${where("chunk_grid")}: only the "regular" chunk grid is supported`, "chunk_grid");
  }
  const chunks = intList(grid.configuration.chunk_shape, where("chunk_grid.configuration.chunk_shape"), 1);
  checkRank(shape, chunks, where("chunk_grid"));
  const { dtype } = parseDtype(doc.data_type, where("data_type"));
  const codecs = parseCodecs(doc.codecs, where("codecs"));
  const bytes = codecs.find((c) => c.name === "bytes");
  const endian: Endian = bytes?.configuration.endian === "big" ? "big" : "little";
  const encoding = isObject(doc.chunk_key_encoding) ? doc.chunk_key_encoding : { name: "default" };
  const separator = isObject(encoding.configuration) ? encoding.configuration.separator : undefined;
  if ((encoding.name !== "default" && encoding.name !== "v2") || (separator !== undefined && separator !== "/" && separator !== ".")) {
    throw new MetadataError(`${where("chunk_key_encoding")}: ${JSON.stringify(encoding)} is not supported`, "chunk_key_encoding");
  }
  const attributes = doc.attributes ?? {};
  if (!isObject(attributes)) throw new MetadataError(`${where("attributes")}: expected an object`, "attributes");
  return {
    store,
    path,
    zarrFormat: 3,
    shape,
    chunks,
    dtype,
    endian,
    order: orderOf(codecs, shape.length, where("codecs")),
    fillValue: parseFillValue(doc.fill_value, dtype, where("fill_value")),
    codecs,
    chunkKeyEncoding: {
      name: encoding.name,
      separator: (separator as "/" | "." | undefined) ?? (encoding.name === "default" ? "/" : "."),
    },
    dimensionNames: stringList(doc.dimension_names, shape.length, where("dimension_names")),
    attributes,
  };
}

function v2Codec(value: unknown, field: string): CodecSpec {
  if (!isObject(value) || typeof value.id !== "string") {
    throw new MetadataError(`${field}: expected {"id": …}, got ${JSON.stringify(value)}`, field);
  }
  const { id, ...configuration } = value;
  checkCodecConfig(`numcodecs.${id}`, configuration, field);
  return { name: `numcodecs.${id}`, configuration };
}

export function parseV2(doc: Json, attrs: Json, store: StoreSpec, path: string): ZarrArray {
  const where = (f: string) => `${path || "/"}/.zarray: ${f}`;
  if (doc.zarr_format !== 2) throw new MetadataError(`${where("zarr_format")} is ${JSON.stringify(doc.zarr_format)}, not 2`, "zarr_format");
  const shape = intList(doc.shape, where("shape"), 0);
  const chunks = intList(doc.chunks, where("chunks"), 1);
  checkRank(shape, chunks, where("chunks"));
  const { dtype, endian } = parseDtype(doc.dtype, where("dtype"));
  const order = doc.order ?? "C";
  if (order !== "C" && order !== "F") throw new MetadataError(`${where("order")} must be "C" or "F", got ${JSON.stringify(order)}`, "order");
  const separator = doc.dimension_separator ?? ".";
  if (separator !== "." && separator !== "/") {
    throw new MetadataError(`${where("dimension_separator")} must be "." or "/", got ${JSON.stringify(separator)}`, "dimension_separator");
  }
  const filters = doc.filters ?? [];
  if (!Array.isArray(filters)) throw new MetadataError(`${where("filters")}: expected a list or null`, "filters");
  const codecs: CodecSpec[] = [
    ...(order === "F" ? [{ name: "transpose", configuration: { order: "F" } }] : []),
    ...filters.map((f, i) => v2Codec(f, where(`filters[${i}]`))),
    { name: "bytes", configuration: { endian } },
    ...(doc.compressor == null ? [] : [v2Codec(doc.compressor, where("compressor"))]),
  ];
  const { _ARRAY_DIMENSIONS, ...attributes } = attrs;
  return {
    store,
    path,
    zarrFormat: 2,
    shape,
    chunks,
    dtype,
    endian,
    order,
    fillValue: parseFillValue(doc.fill_value, dtype, where("fill_value")),
    codecs,
    chunkKeyEncoding: { name: "v2", separator },
    dimensionNames: stringList(_ARRAY_DIMENSIONS, shape.length, `${path || "/"}/.zattrs: _ARRAY_DIMENSIONS`),
    attributes,
  };
}
