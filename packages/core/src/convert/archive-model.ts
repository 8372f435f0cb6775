/**
 * What the archive will hold, decided from the template source, the time
 * axis and the options, before anything is written: every array's role,
 * shape, chunks, dtype, fill value and attributes. The model is pure data;
 * its digest (`templateSignature`) is what a rerun compares, so a rerun
 * with other chunks or another variable list is refused instead of mixing
 * two layouts in one archive.
 *
 * Roles: the time coordinate (written in full by the template, encoded in
 * the archive's units), data variables (every variable with the time
 * dimension: written by tasks), static variables (no time dimension: lat,
 * lon, bounds, masks, written in full from the template source).
 */
import { createHash } from "node:crypto";
import { bytesPerElement, isFloat, type DType } from "../zarr/dtype.js";
import { stringifyJsonExact } from "../zarr/json.js";
import type { CodecOption } from "../zarr/codec-option.js";
import type { AttributeValue } from "../sources/source.js";
import { suggestChunks } from "./chunk-suggest.js";
import type { TemplateOptions } from "./options.js";
import { packingOf, type Packing } from "./packing.js";
import type { ScannedSource } from "./scan.js";
import { ConvertOptionError } from "./workflow-errors.js";

export type Role = "time" | "data" | "static";

export interface ArchiveVariable {
  readonly name: string;
  readonly role: Role;
  readonly dimensions: readonly string[];
  readonly shape: readonly number[];
  readonly chunks: readonly number[];
  readonly dtype: DType;
  /** The Zarr fill value: the source's _FillValue, or undefined for create's default (NaN for floats, none for integers). */
  readonly fillValue: number | undefined;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The template source's packing of this variable: sources packed the same are copied bit-exactly. */
  readonly packing: Packing;
  /** A time bounds variable: its values are times, re-encoded from each file's units to the archive's. */
  readonly timeEncoded: boolean;
}

export interface ArchiveModel {
  readonly zarrFormat: 2 | 3;
  readonly codec: CodecOption | undefined;
  readonly timeDimension: string;
  readonly timeUnits: string;
  readonly calendar: string;
  readonly timeLength: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly variables: readonly ArchiveVariable[];
  /** Digest of each static variable's values in the template source: every source must match it. */
  readonly staticDigests: Readonly<Record<string, string>>;
}

const DEFAULT_TARGET_MB = 16;

/** netCDF attributes that describe storage, not data; a Zarr array has its own. */
const STORAGE_ATTRIBUTES = new Set(["_FillValue", "_ChunkSizes", "_Storage", "_DeflateLevel", "_Shuffle", "_Endianness", "_NoFill", "_Fletcher32"]);

function zarrAttributes(attributes: Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (!STORAGE_ATTRIBUTES.has(name)) out[name] = Array.isArray(value) ? [...value] : value;
  }
  return out;
}

export interface ModelInput {
  readonly template: ScannedSource;
  readonly options: TemplateOptions;
  readonly timeLength: number;
  readonly timeUnits: string;
  readonly calendar: string;
  /** Whether the encoded time values are whole numbers (an integer time coordinate stays integer only then). */
  readonly integralTimes: boolean;
}

export function buildArchiveModel({ template, options, timeLength, timeUnits, calendar, integralTimes }: ModelInput): ArchiveModel {
  const time = template.timeDimension;
  const all = Object.values(template.variables);
  const known = new Set(all.map((v) => v.name));
  for (const name of [...(options.variables ?? []), ...(options.dropVariables ?? [])]) {
    if (!known.has(name)) {
      throw new ConvertOptionError(`the template ${template.source.url} has no variable ${JSON.stringify(name)}; it has ${[...known].join(", ")}`, "variables");
    }
  }
  if (options.dropVariables?.includes(time)) throw new ConvertOptionError(`dropVariables: the time coordinate "${time}" cannot be dropped`, "dropVariables");
  const bounds = template.variables[time]?.attributes.bounds;
  const drop = new Set(options.dropVariables ?? []);
  const wanted = options.variables === undefined ? undefined : new Set([...options.variables, time, ...(typeof bounds === "string" ? [bounds] : [])]);
  const variables: ArchiveVariable[] = [];
  for (const v of all) {
    if (drop.has(v.name)) continue;
    const isCoordinate = v.dimensions.length === 1 && v.dimensions[0] === v.name;
    if (wanted !== undefined && !wanted.has(v.name) && !(isCoordinate || !v.dimensions.includes(time))) continue;
    const role: Role = v.name === time ? "time" : v.dimensions.includes(time) ? "data" : "static";
    const shape = v.dimensions.map((d, i) => (d === time ? timeLength : v.shape[i]!));
    const dtype = role === "time" && !(isFloat(v.dtype) || integralTimes) ? "float64" : v.dtype;
    const attributes = zarrAttributes(v.attributes);
    if (role === "time") Object.assign(attributes, { units: timeUnits, calendar });
    const fill = packingOf(v.dtype, v.attributes).fill;
    variables.push({
      name: v.name,
      role,
      dimensions: v.dimensions,
      shape,
      chunks: chunksFor(v.dimensions, shape, bytesPerElement(dtype), role, time, options),
      dtype,
      fillValue: role === "time" ? undefined : fill,
      attributes,
      packing: packingOf(v.dtype, v.attributes),
      timeEncoded: v.name === bounds,
    });
  }
  if (!variables.some((v) => v.role === "data")) {
    throw new ConvertOptionError(`nothing to convert: the template ${template.source.url} has no variable with the time dimension "${time}" left`, "variables");
  }
  for (const dim of Object.keys(options.chunks ?? {})) {
    if (!(dim in template.dimensions)) {
      throw new ConvertOptionError(`chunks: the template has no dimension ${JSON.stringify(dim)}; it has ${Object.keys(template.dimensions).join(", ")}`, "chunks");
    }
  }
  const staticDigests: Record<string, string> = {};
  for (const v of variables) if (v.role === "static" && template.digests[v.name] !== undefined) staticDigests[v.name] = template.digests[v.name]!;
  return {
    zarrFormat: options.zarrFormat ?? 2,
    // zarr-python's default (blosc lz4 level 5, byte shuffle), which xarray
    // writes too: fast to encode on every Node version (zstd is native only
    // from Node 22.15; numcodecs' WASM build on Node 20 encodes a 4 MB chunk
    // in ≈ 190 ms), and the same archive whichever Node makes it.
    codec: options.codec ?? "blosc",
    timeDimension: time,
    timeUnits,
    calendar,
    timeLength,
    attributes: zarrAttributes(template.attributes),
    variables,
    staticDigests,
  };
}

function chunksFor(dims: readonly string[], shape: readonly number[], bytes: number, role: Role, time: string, options: TemplateOptions): number[] {
  const given = options.chunks ?? {};
  const targetMB = options.targetChunkMB ?? DEFAULT_TARGET_MB;
  const suggested =
    role === "time"
      ? [Math.max(1, Math.min(shape[0]!, Math.floor((targetMB * 1e6) / bytes)))]
      : suggestChunks({
          dimensions: [...dims],
          shape: [...shape],
          bytesPerElement: bytes,
          timeDimension: dims.includes(time) ? time : undefined,
          targetMB,
          pattern: options.accessPattern ?? "balanced",
        });
  return dims.map((d, i) => {
    const n = given[d];
    const length = Math.max(1, shape[i]!);
    return n === undefined ? Math.max(1, Math.min(length, suggested[i]!)) : Math.min(n, length);
  });
}

/** The digest a rerun compares: everything the layout depends on. */
export function templateSignature(model: ArchiveModel, timeDigest: string): string {
  const layout = {
    zarrFormat: model.zarrFormat,
    codec: model.codec ?? null,
    timeDimension: model.timeDimension,
    timeUnits: model.timeUnits,
    calendar: model.calendar,
    timeDigest,
    variables: model.variables.map((v) => ({
      name: v.name, role: v.role, dimensions: v.dimensions, shape: v.shape, chunks: v.chunks, dtype: v.dtype,
      fillValue: v.fillValue ?? null, packing: v.packing,
    })),
  };
  return `sha256:${createHash("sha256").update(stringifyJsonExact(layout)).digest("hex")}`;
}

/** What a rerun names when the archive's layout differs from the one asked for, one line per difference. */
export function describeLayout(model: ArchiveModel, timeDigest: string): Record<string, string> {
  const out: Record<string, string> = {
    zarrFormat: String(model.zarrFormat),
    codec: JSON.stringify(model.codec ?? "default"),
    timeDimension: model.timeDimension,
    timeUnits: model.timeUnits,
    calendar: model.calendar,
    "time axis": `${model.timeLength} steps, ${timeDigest.slice(0, 19)}`,
    variables: model.variables.filter((v) => v.role === "data").map((v) => v.name).join(","),
  };
  for (const v of model.variables) {
    out[`${v.name}`] = `${v.dtype} ${JSON.stringify(v.shape)} chunks ${JSON.stringify(v.chunks)}, fill ${v.fillValue ?? "default"}`;
  }
  return out;
}
