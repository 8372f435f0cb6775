/**
 * The options of createTemplate, convert and writeFromSource, checked once,
 * here, before anything is read or written: each message names the option,
 * what was given and what is allowed.
 */
import { resolveCodecOption, type CodecOption } from "../zarr/codec-option.js";
import type { Progress } from "../map/options.js";
import { ConvertOptionError } from "./workflow-errors.js";

import type { AccessPattern } from "./chunk-suggest.js";
export type { AccessPattern };

export interface TemplateOptions {
  /** Data variables to convert (default: every variable with the time dimension). */
  readonly variables?: readonly string[];
  /** Variables to leave out. */
  readonly dropVariables?: readonly string[];
  /** Chunk length per dimension name; dimensions left out take the suggestion (see targetChunkMB). */
  readonly chunks?: Readonly<Record<string, number>>;
  /** Target chunk size for suggested chunks, in MB (10^6 bytes) of decoded data. Default 16. */
  readonly targetChunkMB?: number;
  /** What suggested chunks favour. Default "balanced". */
  readonly accessPattern?: AccessPattern;
  /** Default 2: what xarray 2023, zarr-python 2 and netCDF-C read. */
  readonly zarrFormat?: 2 | 3;
  /** The arrays' codec. Default "blosc" (lz4 level 5, byte shuffle: zarr-python's and xarray's default). */
  readonly codec?: CodecOption;
  /** Default "time", or the one dimension whose coordinate has units "… since …". */
  readonly timeDimension?: string;
  /** The archive's time encoding; default the template file's. */
  readonly timeUnits?: string;
  /** The archive's calendar; default the template file's. Every source must use it. */
  readonly calendar?: string;
  /**
   * A global time axis (zarrify's --global-start/--global-end/--freq): every
   * step from start to end. Without it the axis is the union of every
   * input's time values (a scan, itself a map over the files).
   */
  readonly time?: { readonly start: string; readonly end: string; readonly freq: string };
}

export interface ConvertProgress extends Progress {
  /** Tasks (one per output chunk range) done, failed, in all: `done`, `failed`, `total` above. */
  readonly phase: "scan" | "template" | "write";
  readonly filesDone: number;
  readonly files: number;
  readonly chunksWritten: number;
  readonly bytesWritten: number;
  /** Tasks skipped because a previous run recorded them. */
  readonly skipped: number;
  /** Values clipped while re-encoding differently packed files. */
  readonly clipped: number;
  readonly elapsedMs: number;
}

export interface RunOptions {
  /** Retries of a task after a transient error or a lost worker. Default 3. */
  readonly retries?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ConvertProgress) => void;
  /**
   * A source packed differently from the template (another scale_factor,
   * add_offset or _FillValue): "auto" (default) decodes and re-encodes it to
   * the template's packing, counting clipped values; "refuse" refuses it
   * before anything is written.
   */
  readonly repack?: "auto" | "refuse";
}

export interface ConvertOptions extends TemplateOptions, RunOptions {
  /** The source whose variables, attributes and coordinates make the template. Default the first input. */
  readonly template?: string;
}

export const TEMPLATE_OPTIONS = [
  "variables", "dropVariables", "chunks", "targetChunkMB", "accessPattern", "zarrFormat", "codec", "timeDimension", "timeUnits", "calendar", "time",
] as const;
export const RUN_OPTIONS = ["retries", "signal", "onProgress", "repack"] as const;

export function checkNames(where: string, options: object, known: readonly string[]): void {
  if (typeof options !== "object" || options === null) throw new ConvertOptionError(`${where}: options must be an object`, "options");
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new ConvertOptionError(`${where}: unknown option ${JSON.stringify(key)}; known options: ${known.join(", ")}`, key);
    }
  }
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string" && s !== "");

export function checkTemplateOptions(where: string, o: TemplateOptions): void {
  for (const name of ["variables", "dropVariables"] as const) {
    if (o[name] !== undefined && !isStringList(o[name])) {
      throw new ConvertOptionError(`${where}: ${name} must be a list of variable names, got ${JSON.stringify(o[name])}`, name);
    }
  }
  if (o.chunks !== undefined) {
    if (typeof o.chunks !== "object" || o.chunks === null || Array.isArray(o.chunks)) {
      throw new ConvertOptionError(`${where}: chunks must map dimension names to lengths ({ time: 8, lat: 721 }), got ${JSON.stringify(o.chunks)}`, "chunks");
    }
    for (const [dim, n] of Object.entries(o.chunks)) {
      if (!Number.isSafeInteger(n) || n < 1) throw new ConvertOptionError(`${where}: chunks.${dim} must be a whole number ≥ 1, got ${JSON.stringify(n)}`, "chunks");
    }
  }
  if (o.targetChunkMB !== undefined && !(typeof o.targetChunkMB === "number" && o.targetChunkMB > 0 && o.targetChunkMB <= 4096)) {
    throw new ConvertOptionError(`${where}: targetChunkMB must be a number of MB in (0, 4096], got ${JSON.stringify(o.targetChunkMB)}`, "targetChunkMB");
  }
  if (o.accessPattern !== undefined && !["temporal", "spatial", "balanced"].includes(o.accessPattern)) {
    throw new ConvertOptionError(`${where}: accessPattern must be "temporal", "spatial" or "balanced", got ${JSON.stringify(o.accessPattern)}`, "accessPattern");
  }
  if (o.zarrFormat !== undefined && o.zarrFormat !== 2 && o.zarrFormat !== 3) {
    throw new ConvertOptionError(`${where}: zarrFormat must be 2 or 3, got ${JSON.stringify(o.zarrFormat)}`, "zarrFormat");
  }
  for (const name of ["timeDimension", "timeUnits", "calendar"] as const) {
    if (o[name] !== undefined && (typeof o[name] !== "string" || o[name] === "")) {
      throw new ConvertOptionError(`${where}: ${name} must be a non-empty string, got ${JSON.stringify(o[name])}`, name);
    }
  }
  if (o.codec !== undefined) {
    // Checked now, not when the template is written after the scan: a bad level must refuse an empty archive path.
    try {
      resolveCodecOption(o.codec, 4);
    } catch (error) {
      throw new ConvertOptionError(`${where}: ${(error as Error).message.replace(/^create: /, "")}`, "codec");
    }
  }
  if (o.time !== undefined) {
    const t = o.time as Record<string, unknown>;
    if (typeof t !== "object" || t === null || !["start", "end", "freq"].every((k) => typeof t[k] === "string" && t[k] !== "")) {
      throw new ConvertOptionError(`${where}: time must be { start, end, freq } strings ({ start: "2020-01-01", end: "2020-12-31", freq: "1D" }), got ${JSON.stringify(o.time)}`, "time");
    }
  }
}

export interface ResolvedRun {
  readonly retries: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: ConvertProgress) => void) | undefined;
  readonly repack: "auto" | "refuse";
}

export function checkRunOptions(where: string, o: RunOptions): ResolvedRun {
  if (o.retries !== undefined && !(Number.isSafeInteger(o.retries) && o.retries >= 0 && o.retries <= 100)) {
    throw new ConvertOptionError(`${where}: retries must be a whole number from 0 to 100, got ${JSON.stringify(o.retries)}`, "retries");
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ConvertOptionError(`${where}: signal must be an AbortSignal`, "signal");
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") throw new ConvertOptionError(`${where}: onProgress must be a function`, "onProgress");
  if (o.repack !== undefined && o.repack !== "auto" && o.repack !== "refuse") {
    throw new ConvertOptionError(`${where}: repack must be "auto" or "refuse", got ${JSON.stringify(o.repack)}`, "repack");
  }
  return {
    retries: o.retries ?? 3,
    signal: o.signal,
    onProgress: o.onProgress,
    repack: o.repack ?? "auto",
  };
}
