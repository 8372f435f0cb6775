/**
 * Dates as text ↔ instants. An instant is a float64 count of seconds since
 * 1970-01-01T00:00:00 of its calendar, made from an exact integer count of
 * microseconds (a bigint here) by one correct rounding: the same microsecond
 * always gives the same float, so 0.1 days and 2.4 hours are equal instants
 * and coordinates can be matched with `===`. A float64 holds every
 * microsecond only within about ±136 years of 1970 (|x| < 2³² s); farther
 * out an instant is the float nearest the microsecond, as exact as the
 * representation allows (at year 9999 its step is ≈ 30 µs), and equal times
 * still give equal instants.
 *
 * Going back, `microsOfInstant` reads the float's shortest round-trip decimal
 * rather than `x * 1e6`: far from 1970 (year 1 is −6.2e10 s, where a float's
 * step is ≈ 8 µs) the product would invent microseconds that the decimal,
 * and cftime, do not have.
 */
import { dateOfDayNumber } from "./calendar-inverse.js";
import { dayNumber, firstYear, isValidDate, type Calendar } from "./calendars.js";
import { InvalidDateError } from "./convert-errors.js";

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  microsecond: number;
}

export const MICROS_PER_DAY = 86_400_000_000n;

// CF / udunits / cftime reference times: "2020-1-1", "2020-01-01 00:00:00",
// "2020-01-01T06:30:00.5Z", "1990-01-01 00:00:00 +05:30", "… UTC".
const DATE =
  /^(\d{1,6})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d*))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

/** Microseconds since 1970-01-01 of the calendar for a date text; time zone offsets are applied (like cftime). */
export function parseDateMicros(text: string, calendar: Calendar): bigint {
  const m = DATE.exec(text.trim());
  if (m === null) {
    throw new InvalidDateError(`date "${text}" could not be read; expected e.g. "2020-01-31" or "2020-01-31 06:00:00"`, text, calendar);
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  const fraction = (m[7] ?? "").padEnd(7, "0");
  const micros = Number(fraction.slice(0, 6)) + (Number(fraction[6]) >= 5 ? 1 : 0);
  if (year < firstYear(calendar)) {
    throw new InvalidDateError(`date "${text}": years before ${firstYear(calendar)} are not supported on the ${calendar} calendar`, text, calendar);
  }
  if (!isValidDate(year, month, day, calendar) || hour > 23 || minute > 59 || second > 59) {
    throw new InvalidDateError(`date "${text}" does not exist in the ${calendar} calendar`, text, calendar);
  }
  const date: CalendarDate = { year, month, day, hour, minute, second, microsecond: 0 };
  return microsOfDate(date, calendar) + BigInt(micros) - offsetMicros(m[8]);
}

function offsetMicros(zone: string | undefined): bigint {
  if (zone === undefined || !/^[+-]/.test(zone)) return 0n;
  const digits = zone.replace(":", "");
  const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
  return BigInt((digits[0] === "-" ? -minutes : minutes) * 60_000_000);
}

export function microsOfDate(d: CalendarDate, calendar: Calendar): bigint {
  const timeOfDay = ((d.hour * 60 + d.minute) * 60 + d.second) * 1_000_000 + d.microsecond;
  return BigInt(dayNumber(d.year, d.month, d.day, calendar)) * MICROS_PER_DAY + BigInt(timeOfDay);
}

export function dateOfMicros(us: bigint, calendar: Calendar): CalendarDate {
  let days = us / MICROS_PER_DAY;
  if (days * MICROS_PER_DAY > us) days -= 1n; // bigint division truncates; we want the floor
  let rest = Number(us - days * MICROS_PER_DAY);
  const microsecond = rest % 1_000_000;
  rest = (rest - microsecond) / 1_000_000;
  return { ...dateOfDayNumber(Number(days), calendar), hour: Math.floor(rest / 3600), minute: Math.floor(rest / 60) % 60, second: rest % 60, microsecond };
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** µs → seconds, correctly rounded: one rounding, so the same µs always gives the same float. */
export function instantOfMicros(us: bigint): number {
  if (us <= SAFE && us >= -SAFE) return Number(us) / 1e6; // exact operands, one rounding
  // Number(us) would round once and the division again; decimal parsing rounds once.
  const sign = us < 0n ? "-" : "";
  const abs = us < 0n ? -us : us;
  return Number(`${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, "0")}`);
}

export function microsOfInstant(instant: number): bigint {
  const text = String(instant);
  if (/e/i.test(text)) return BigInt(Math.round(instant * 1e6)); // |x| < 1e-6 or ≥ 1e21: no digits to lose
  const [whole = "0", fraction = ""] = text.split(".");
  const sign = whole.startsWith("-") ? -1n : 1n;
  const digits = fraction.padEnd(7, "0");
  const micros = BigInt(digits.slice(0, 6)) + (Number(digits[6]) >= 5 ? 1n : 0n);
  return BigInt(whole) * 1_000_000n + sign * micros;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** "2020-01-05T00:00:00" (microseconds only when there are some), as cftime's isoformat(); NaN → "NaN". */
export function formatInstant(instant: number, calendar: Calendar): string {
  if (!Number.isFinite(instant)) return String(instant);
  const d = dateOfMicros(microsOfInstant(instant), calendar);
  if (d.year < firstYear(calendar)) {
    throw new InvalidDateError(`instant ${instant} s falls before year ${firstYear(calendar)}, which is not supported on the ${calendar} calendar`, String(instant), calendar);
  }
  const time = `${pad(d.hour)}:${pad(d.minute)}:${pad(d.second)}${d.microsecond === 0 ? "" : `.${pad(d.microsecond, 6)}`}`;
  return `${pad(d.year, 4)}-${pad(d.month)}-${pad(d.day)}T${time}`;
}

/** The instant of a date text on a calendar ("2020-01-31", "2020-01-31T06:00:00", "… +01:00"). */
export const parseDate = (text: string, calendar: Calendar): number => instantOfMicros(parseDateMicros(text, calendar));
