/**
 * CF time coordinates: a `units` attribute ("hours since 1990-01-01") and a
 * calendar turn stored numbers into instants (see cf-date.ts) and back.
 * Decoding is exact to the microsecond (see decodeTimes), so files whose
 * units are "days since 2020-01-01" and "hours since 1990-01-01" give the
 * very same instants for the same times.
 */
import { normalizeCalendar, type Calendar } from "./calendars.js";
import { dateOfMicros, instantOfMicros, microsOfDate, microsOfInstant, parseDateMicros, type CalendarDate } from "./cf-date.js";
import { TimeUnitsError } from "./convert-errors.js";

export type TimeUnit = "days" | "hours" | "minutes" | "seconds" | "milliseconds" | "microseconds";

export interface TimeUnits {
  unit: TimeUnit;
  unitSeconds: number;
  /** The reference time, in UTC (a time zone offset in the units is applied). */
  epoch: CalendarDate;
  epochSeconds: number;
  calendar: Calendar;
}

// The unit words cftime 1.6 accepts (its UNIT_CONVERSION_FACTORS).
const UNIT_WORDS: Record<string, TimeUnit> = {};
const WORDS: Record<TimeUnit, string[]> = {
  days: ["day", "days", "d"],
  hours: ["hour", "hours", "hr", "hrs", "h"],
  minutes: ["minute", "minutes", "min", "mins"],
  seconds: ["second", "seconds", "sec", "secs", "s"],
  milliseconds: ["millisecond", "milliseconds", "millisec", "millisecs", "msec", "msecs", "ms"],
  microseconds: ["microsecond", "microseconds", "microsec", "microsecs"],
};
for (const [unit, words] of Object.entries(WORDS)) for (const w of words) UNIT_WORDS[w] = unit as TimeUnit;

const UNIT_MICROS: Record<TimeUnit, number> = {
  days: 86_400_000_000,
  hours: 3_600_000_000,
  minutes: 60_000_000,
  seconds: 1_000_000,
  milliseconds: 1_000,
  microseconds: 1,
};

export function parseTimeUnits(units: string, calendar?: string): TimeUnits {
  const cal = normalizeCalendar(calendar, units);
  const m = /^\s*([a-z_]+)\s+since\s+(.+?)\s*$/i.exec(units);
  if (m === null) throw new TimeUnitsError(`time units "${units}" are not of the form "<unit> since <date>"`, units, cal);
  const unit = UNIT_WORDS[(m[1] ?? "").toLowerCase()];
  if (unit === undefined) {
    throw new TimeUnitsError(
      `time units "${units}": "${m[1]}" is not a time unit; use days, hours, minutes, seconds, milliseconds or microseconds` +
        ` (months and years have no fixed length)`,
      units,
      cal,
    );
  }
  let epochMicros: bigint;
  try {
    epochMicros = parseDateMicros(m[2] ?? "", cal);
  } catch (e) {
    throw new TimeUnitsError(`time units "${units}": ${(e as Error).message}`, units, cal);
  }
  const epoch = dateOfMicros(epochMicros, cal);
  return { unit, unitSeconds: UNIT_MICROS[unit] / 1e6, epoch, epochSeconds: instantOfMicros(epochMicros), calendar: cal };
}

const unitMicrosOf = (units: TimeUnits) => UNIT_MICROS[units.unit];
// From the date, not epochSeconds: far from 1970 the float may not hold the epoch's microseconds.
const epochMicrosOf = (units: TimeUnits) => microsOfDate(units.epoch, units.calendar);

/**
 * Stored time values → instants (NaN stays NaN: a missing time is not a time).
 *
 * A stored float is read as its shortest decimal (what Python's repr and JS
 * print, and what the writer meant): 197024.1 days is 197024.1 exactly, not
 * the binary fraction just above it, so it lands on the same microsecond as
 * 4728578.4 hours. That decimal is then scaled in integers and rounded once,
 * half a microsecond away from zero as cftime rounds.
 */
export function decodeTimes(values: ArrayLike<number | bigint>, units: TimeUnits): Float64Array {
  const unitMicros = unitMicrosOf(units);
  const epoch = epochMicrosOf(units);
  const epochNumber = Number(epoch);
  const fast = Number.isSafeInteger(epochNumber);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | bigint;
    if (typeof v === "bigint") out[i] = instantOfMicros(epoch + v * BigInt(unitMicros));
    else if (!Number.isFinite(v)) out[i] = NaN;
    else {
      // Whole values near the epoch, the common case, need no decimal: every step is exact below 2^53.
      const total = epochNumber + v * unitMicros;
      out[i] = fast && Number.isInteger(v) && Number.isSafeInteger(v * unitMicros) && Number.isSafeInteger(total)
        ? total / 1e6
        : instantOfMicros(epoch + decimalMicros(v, unitMicros));
    }
  }
  return out;
}

const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** v · unitMicros, with v read as its shortest decimal, rounded to a whole µs (half away from zero). */
function decimalMicros(v: number, unitMicros: number): bigint {
  const [, sign, whole = "", fraction = "", exponent = "0"] = NUMBER.exec(String(v)) ?? [];
  const scale = Number(exponent) - fraction.length; // v = ±digits · 10^scale
  const scaled = BigInt(whole + fraction) * BigInt(unitMicros);
  let micros: bigint;
  if (scale >= 0) micros = scaled * 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    micros = scaled / divisor + (2n * (scaled % divisor) >= divisor ? 1n : 0n);
  }
  return sign === "-" ? -micros : micros;
}

/** Instants → values in the units (the inverse of decodeTimes, to the microsecond). */
export function encodeTimes(instants: ArrayLike<number>, units: TimeUnits): Float64Array {
  const unitMicros = unitMicrosOf(units);
  const epoch = epochMicrosOf(units);
  const epochNumber = Number(epoch);
  const out = new Float64Array(instants.length);
  for (let i = 0; i < instants.length; i++) {
    const x = instants[i] as number;
    if (!Number.isFinite(x)) {
      out[i] = NaN;
      continue;
    }
    // Within 2^32 s of 1970 one microsecond maps to each float, so a rounded x·1e6 that maps back to x
    // is the one; otherwise (an ulp off, or far out) read the decimal (see cf-date.ts).
    const r = Math.round(x * 1e6);
    const us = Math.abs(x) < 2 ** 32 && r / 1e6 === x ? r : undefined;
    const diff = us !== undefined && Number.isSafeInteger(epochNumber) ? us - epochNumber : undefined;
    out[i] = diff !== undefined && Number.isSafeInteger(diff)
      ? diff / unitMicros
      : divide(microsOfInstant(x) - epoch, unitMicros);
  }
  return out;
}

// diff / unit as a float: whole part in bigints, so a diff beyond 2^53 µs
// (a far epoch) costs at most one rounding more than the exact quotient.
function divide(diff: bigint, unit: number): number {
  const d = BigInt(unit);
  return Number(diff / d) + Number(diff % d) / unit;
}
