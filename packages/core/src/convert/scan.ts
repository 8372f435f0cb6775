/**
 * The scan: what the coordinator needs to know of each source to plan a
 * conversion, gathered by a map over the files (10,000 files are scanned in
 * parallel, on whatever plan is set). A worker opens the file itself and
 * sends back only small things: dimensions, variables and their attributes,
 * the raw time values, and a digest of every variable without the time
 * dimension's coordinates (lat, lon and their bounds), so that a file whose
 * grid differs from the template's is found without moving its coordinates.
 */
import { createHash } from "node:crypto";
import type { Attributes, SourceFile, SourceIdentity, SourceSpec, SourceVariable } from "../sources/source.js";
import { SourceMismatchError } from "./workflow-errors.js";
import { forgetSource, openCachedSource } from "./source-cache.js";

export interface ScanRequest {
  readonly source: SourceSpec;
  /** The time dimension's name, or undefined to take "time" (or the only dimension named like it). */
  readonly timeDimension: string | undefined;
}

export interface ScannedSource {
  readonly source: SourceSpec;
  readonly kind: string;
  readonly identity: SourceIdentity;
  readonly dimensions: Readonly<Record<string, number>>;
  readonly variables: Readonly<Record<string, SourceVariable>>;
  readonly attributes: Attributes;
  readonly timeDimension: string;
  /** The time coordinate as stored, with its encoding. */
  readonly time: { readonly variable: string; readonly units: string; readonly calendar: string; readonly values: number[] };
  /** sha256 of the stored values of each coordinate but time, and of its bounds (up to DIGEST_LIMIT elements). */
  readonly digests: Readonly<Record<string, string>>;
}

const DIGEST_LIMIT = 4 * 1024 * 1024;

export async function scanSource({ source, timeDimension }: ScanRequest, signal?: AbortSignal): Promise<ScannedSource> {
  // A scan is what a run plans from: it must see the file as it is now, not as a worker opened it in an earlier run.
  await forgetSource(source);
  const file = await openCachedSource(source, signal);
  const time = findTimeDimension(file, timeDimension);
  const timeVar = file.variables[time];
  if (timeVar === undefined || timeVar.dimensions.length !== 1 || timeVar.dimensions[0] !== time) {
    throw new SourceMismatchError(`${file.url}: the time dimension "${time}" has no coordinate variable "${time}"(${time})`, file.url, time);
  }
  const units = timeVar.attributes.units;
  if (typeof units !== "string") {
    throw new SourceMismatchError(`${file.url}: the time coordinate "${time}" has no "units" attribute (CF: "days since 2020-01-01")`, file.url, time);
  }
  const calendar = timeVar.attributes.calendar;
  const raw = await file.read(time, [[0, timeVar.shape[0]!]], { signal });
  const digests: Record<string, string> = {};
  for (const variable of coordinatesOf(file, time)) {
    const size = variable.shape.reduce((a, b) => a * b, 1);
    if (size > DIGEST_LIMIT) continue;
    digests[variable.name] = await digestOf(file, variable);
  }
  return {
    source,
    kind: file.kind,
    identity: file.identity,
    dimensions: file.dimensions,
    variables: file.variables,
    attributes: file.attributes,
    timeDimension: time,
    time: { variable: time, units, calendar: typeof calendar === "string" ? calendar : "standard", values: Array.from(raw, Number) },
    digests,
  };
}

/**
 * The variables every source must share with the template: coordinates
 * other than time (lat, lon: a variable named as its one dimension) and
 * their CF bounds. Other variables without the time dimension (a land mask)
 * are taken from the template alone, as open_mfdataset(compat="override")
 * does; reading them from every file would cost a full read per file.
 */
function coordinatesOf(file: SourceFile, time: string): SourceVariable[] {
  const coordinates = Object.values(file.variables).filter((v) => v.name !== time && v.dimensions.length === 1 && v.dimensions[0] === v.name);
  const bounds = coordinates.map((v) => v.attributes.bounds).filter((b): b is string => typeof b === "string");
  return [...coordinates, ...bounds.map((b) => file.variables[b]).filter((v): v is SourceVariable => v !== undefined && !v.dimensions.includes(time))];
}

export async function digestOf(file: SourceFile, variable: SourceVariable): Promise<string> {
  const values = await file.read(variable.name, variable.shape.map((n) => [0, n] as const));
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return `sha256:${createHash("sha256").update(variable.dtype).update(bytes).digest("hex")}`;
}

function findTimeDimension(file: SourceFile, given: string | undefined): string {
  if (given !== undefined) {
    if (!(given in file.dimensions)) {
      throw new SourceMismatchError(`${file.url}: has no dimension "${given}" (its dimensions: ${Object.keys(file.dimensions).join(", ")})`, file.url);
    }
    return given;
  }
  if ("time" in file.dimensions) return "time";
  const timeLike = Object.keys(file.dimensions).filter((d) => file.variables[d]?.attributes.units?.toString().includes(" since ") === true);
  if (timeLike.length === 1) return timeLike[0]!;
  throw new SourceMismatchError(
    `${file.url}: cannot tell which dimension is time (dimensions: ${Object.keys(file.dimensions).join(", ")}); name it with the timeDimension option`,
    file.url,
  );
}
