/**
 * A global time axis from start, end and a pandas-style frequency (zarrify's
 * --global-start/--global-end/--freq), on any CF calendar. Fixed steps are
 * added in exact microseconds; month and year starts step through the
 * calendar's own months, so "1MS" on 360_day gives 30-day steps and on
 * noleap never meets a 29 February. As in pandas and xarray's cftime_range,
 * a start off a month (year) start rolls forward to the next one, its time
 * of day is kept, and the end is included when it falls on a step.
 */
import type { Calendar } from "./calendars.js";
import { dateOfMicros, instantOfMicros, microsOfDate, parseDateMicros, type CalendarDate } from "./cf-date.js";
import { TimeAxisError } from "./convert-errors.js";

// More steps than this is a mistyped frequency (seconds for days), not an axis.
const MAX_STEPS = 100_000_000;

type Step = { kind: "fixed"; micros: bigint } | { kind: "months"; months: number; yearly: boolean };

const FIXED: Record<string, bigint> = {
  D: 86_400_000_000n,
  h: 3_600_000_000n,
  H: 3_600_000_000n,
  min: 60_000_000n,
  T: 60_000_000n,
  s: 1_000_000n,
  S: 1_000_000n,
  ms: 1_000n,
  L: 1_000n,
};

function parseFreq(freq: string): Step {
  const m = /^\s*(\d*)\s*([A-Za-z]+)\s*$/.exec(freq);
  const n = m === null ? 0 : m[1] === "" ? 1 : Number(m[1]);
  const code = m?.[2] ?? "";
  if (n >= 1 && FIXED[code] !== undefined) return { kind: "fixed", micros: BigInt(n) * FIXED[code] };
  if (n >= 1 && code === "MS") return { kind: "months", months: n, yearly: false };
  if (n >= 1 && (code === "YS" || code === "AS")) return { kind: "months", months: 12 * n, yearly: true };
  throw new TimeAxisError(
    `time axis frequency "${freq}" is not one of <n>D, <n>h, <n>min (T), <n>s (S), <n>ms (L), <n>MS (month starts), <n>YS (year starts), with n ≥ 1`,
    "freq",
    freq,
  );
}

function parseEnd(text: string, argument: "start" | "end", calendar: Calendar): bigint {
  try {
    return parseDateMicros(text, calendar);
  } catch (e) {
    throw new TimeAxisError(`time axis ${argument}: ${(e as Error).message}`, argument, text);
  }
}

export function timeAxis(start: string, end: string, freq: string, calendar: Calendar): Float64Array {
  const step = parseFreq(freq);
  const first = parseEnd(start, "start", calendar);
  const last = parseEnd(end, "end", calendar);
  if (last < first) throw new TimeAxisError(`time axis end "${end}" is before its start "${start}"`, "end", end);
  return step.kind === "fixed" ? fixedSteps(first, last, step.micros, freq) : monthSteps(first, last, step, calendar, freq);
}

function tooMany(freq: string): never {
  throw new TimeAxisError(`time axis with frequency "${freq}" would have more than ${MAX_STEPS} steps`, "freq", freq);
}

function fixedSteps(first: bigint, last: bigint, step: bigint, freq: string): Float64Array {
  const count = (last - first) / step + 1n;
  if (count > BigInt(MAX_STEPS)) tooMany(freq);
  const out = new Float64Array(Number(count));
  for (let i = 0; i < out.length; i++) out[i] = instantOfMicros(first + BigInt(i) * step);
  return out;
}

function addMonths(d: CalendarDate, months: number): CalendarDate {
  const index = d.year * 12 + (d.month - 1) + months;
  return { ...d, year: Math.floor(index / 12), month: (index % 12) + 1, day: 1 };
}

function monthSteps(first: bigint, last: bigint, step: { months: number; yearly: boolean }, calendar: Calendar, freq: string): Float64Array {
  let date = dateOfMicros(first, calendar);
  // Roll forward to the first month (year) start on or after the start; the time of day stays.
  if (date.day !== 1) date = addMonths(date, 1);
  if (step.yearly && date.month !== 1) date = addMonths(date, 13 - date.month);
  const out: number[] = [];
  for (let us = microsOfDate(date, calendar); us <= last; us = microsOfDate(date, calendar)) {
    if (out.length >= MAX_STEPS) tooMany(freq);
    out.push(instantOfMicros(us));
    date = addMonths(date, step.months);
  }
  return Float64Array.from(out);
}
