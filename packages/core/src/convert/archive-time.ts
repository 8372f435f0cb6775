/**
 * The archive's time axis, and where each source lands on it. Times are
 * compared as decoded instants (cf-time.ts), never as raw numbers, so files
 * in "days since 2020-01-01" and in "hours since 1990-01-01" land on one
 * axis. The axis is either given (start, end, frequency) or the union of
 * every source's times; either way each source's region is found by exact
 * match (regions.ts), which refuses missing, unsorted, duplicate and
 * non-contiguous times, naming the file and the first offending value.
 */
import { createHash } from "node:crypto";
import type { Calendar } from "./calendars.js";
import { formatInstant } from "./cf-date.js";
import { decodeTimes, encodeTimes, parseTimeUnits, type TimeUnits } from "./cf-time.js";
import { timeAxis } from "./time-axis.js";
import { regionFromCoordinates } from "./regions.js";
import type { TemplateOptions } from "./options.js";
import type { ScannedSource } from "./scan.js";
import { SourceMismatchError } from "./workflow-errors.js";

export interface ArchiveTime {
  readonly units: TimeUnits;
  readonly unitsText: string;
  readonly calendar: Calendar;
  readonly instants: Float64Array;
  /** The instants in the archive's units, as the time coordinate stores them. */
  readonly encoded: Float64Array;
  readonly integral: boolean;
  readonly digest: string;
  readonly mode: "global" | "scan";
}

/** A source's place on the axis: archive time indices [start, stop). */
export interface Placement {
  readonly start: number;
  readonly stop: number;
}

export function sourceInstants(scan: ScannedSource, calendar: Calendar): Float64Array {
  const units = parseTimeUnits(scan.time.units, scan.time.calendar);
  if (units.calendar !== calendar) {
    throw new SourceMismatchError(
      `${scan.source.url}: its time uses the ${units.calendar} calendar, the archive the ${calendar} calendar; times of different calendars cannot share one axis`,
      scan.source.url,
      scan.time.variable,
    );
  }
  return decodeTimes(scan.time.values, units);
}

export function resolveArchiveTime(template: ScannedSource, scans: readonly ScannedSource[] | undefined, options: TemplateOptions): ArchiveTime {
  const calendarName = options.calendar ?? template.time.calendar;
  const unitsText = options.timeUnits ?? template.time.units;
  const units = parseTimeUnits(unitsText, calendarName);
  const calendar = units.calendar;
  let instants: Float64Array;
  let mode: "global" | "scan";
  if (options.time !== undefined) {
    instants = timeAxis(options.time.start, options.time.end, options.time.freq, calendar);
    mode = "global";
  } else {
    instants = unionOf(scans ?? [template], calendar);
    mode = "scan";
  }
  return archiveTimeOf(units, unitsText, instants, encodeTimes(instants, units), mode);
}

/** The axis with its digest (what a rerun compares): one place for both ways an axis is made. */
export function archiveTimeOf(units: TimeUnits, unitsText: string, instants: Float64Array, encoded: Float64Array, mode: "global" | "scan"): ArchiveTime {
  const digest = `sha256:${createHash("sha256").update(new Uint8Array(instants.buffer, instants.byteOffset, instants.byteLength)).digest("hex")}`;
  return { units, unitsText, calendar: units.calendar, instants, encoded, integral: encoded.every((v) => Number.isInteger(v)), digest, mode };
}

/** The first and last instants of `instants[start, stop)`, formatted ("" for none). */
export function timeRange(instants: Float64Array, calendar: Calendar, start = 0, stop = instants.length): { first: string; last: string } {
  if (stop <= start) return { first: "", last: "" };
  return { first: formatInstant(instants[start]!, calendar), last: formatInstant(instants[stop - 1]!, calendar) };
}

/** Every source's times, one axis; a time found in two sources is refused, naming both. */
function unionOf(scans: readonly ScannedSource[], calendar: Calendar): Float64Array {
  const parts = scans.map((scan) => ({ scan, times: sourceInstants(scan, calendar) })).filter((p) => p.times.length > 0);
  parts.sort((a, b) => a.times[0]! - b.times[0]!);
  const owner = new Map<number, string>();
  const all: number[] = [];
  for (const { scan, times } of parts) {
    for (const t of times) {
      const other = owner.get(t);
      if (other !== undefined) {
        throw new SourceMismatchError(
          `${scan.source.url}: time ${formatInstant(t, calendar)} is also in ${other}; two sources cannot hold the same time step`,
          scan.source.url,
          scan.time.variable,
        );
      }
      owner.set(t, scan.source.url);
      all.push(t);
    }
  }
  all.sort((a, b) => a - b);
  return Float64Array.from(all);
}

export function placeSource(axis: ArchiveTime, scan: ScannedSource): Placement {
  const times = sourceInstants(scan, axis.calendar);
  if (times.length === 0) return { start: 0, stop: 0 };
  const [start, stop] = regionFromCoordinates(axis.instants, times, {
    file: scan.source.url,
    coordinate: scan.time.variable,
    describe: (v) => formatInstant(v, axis.calendar),
  });
  return { start, stop };
}
