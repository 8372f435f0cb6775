/**
 * The CF calendars as day arithmetic: a date ↔ a day number, counted from
 * 1970-01-01 *of that calendar*. Every day has 86,400 seconds (CF has no leap
 * seconds), so time of day is added on top by the callers.
 *
 * "standard" (alias "gregorian") is the mixed Julian/Gregorian calendar of
 * cftime and udunits: Julian up to 1582-10-04, Gregorian from the next day,
 * 1582-10-15; the ten days between do not exist. The other calendars are
 * proleptic: one rule for every year.
 *
 * Years: standard and julian have no year 0 in cftime 1.6 (year -1 precedes
 * year 1); proleptic_gregorian (ISO 8601) and the idealised calendars
 * (noleap, all_leap, 360_day) do. We support years from 1 (resp. 0) upwards
 * and refuse earlier ones, rather than guess a numbering cftime might not share.
 */
import { TimeUnitsError } from "./convert-errors.js";

export type Calendar = "standard" | "proleptic_gregorian" | "noleap" | "all_leap" | "360_day" | "julian";

const ALIASES: Record<string, Calendar> = {
  standard: "standard",
  gregorian: "standard",
  proleptic_gregorian: "proleptic_gregorian",
  noleap: "noleap",
  "365_day": "noleap",
  all_leap: "all_leap",
  "366_day": "all_leap",
  "360_day": "360_day",
  julian: "julian",
};

/** The calendar a CF `calendar` attribute names (case-insensitive, aliases resolved); absent means "standard" as in CF. */
export function normalizeCalendar(name: string | undefined, units = ""): Calendar {
  if (name === undefined || name.trim() === "") return "standard";
  const calendar = ALIASES[name.trim().toLowerCase()];
  if (calendar === undefined) {
    throw new TimeUnitsError(
      `calendar "${name}" is not one parazarr can convert; it must be one of ${Object.keys(ALIASES).join(", ")}` +
        ` ("none" has no dates to match coordinates on)`,
      units,
      name,
    );
  }
  return calendar;
}

/** The first year a calendar's dates may have here (see the header). */
export const firstYear = (calendar: Calendar): number => (calendar === "standard" || calendar === "julian" ? 1 : 0);

const gregorianLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

export function isLeapYear(year: number, calendar: Calendar): boolean {
  switch (calendar) {
    case "standard":
      return year < 1583 ? year % 4 === 0 : gregorianLeap(year);
    case "proleptic_gregorian":
      return gregorianLeap(year);
    case "julian":
      return year % 4 === 0;
    case "all_leap":
      return true;
    case "noleap":
    case "360_day":
      return false;
  }
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number, calendar: Calendar): number {
  if (calendar === "360_day") return 30;
  if (month === 2 && isLeapYear(year, calendar)) return 29;
  return MONTH_DAYS[month - 1] ?? 0;
}

/** Does year-month-day exist in the calendar (the 1582 gap of "standard" included)? */
export function isValidDate(year: number, month: number, day: number, calendar: Calendar): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < firstYear(calendar) || month < 1 || month > 12 || day < 1) return false;
  if (day > daysInMonth(year, month, calendar)) return false;
  return !(calendar === "standard" && year === 1582 && month === 10 && day > 4 && day < 15);
}

// Day counts of the month starts in a 365- and a 366-day year.
const CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const cumulative = (month: number, leap: boolean) => (CUMULATIVE[month - 1] ?? 0) + (leap && month > 2 ? 1 : 0);

// Hinnant's days_from_civil, in March-based years so the leap day is last.
function gregorianDays(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

// The same in 4-year Julian cycles, shifted so that its day numbers line up
// with gregorianDays' across the 1582 switch (Julian 10-04 + 1 = Gregorian 10-15).
function julianDaysUnaligned(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 4);
  return era * 1461 + (year - era * 4) * 365 + Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
}
const JULIAN_SHIFT = gregorianDays(1582, 10, 15) - 1 - julianDaysUnaligned(1582, 10, 4);
const julianDays = (y: number, m: number, d: number) => julianDaysUnaligned(y, m, d) + JULIAN_SHIFT;
const GREGORIAN_START = gregorianDays(1582, 10, 15);

function rawDays(year: number, month: number, day: number, calendar: Calendar): number {
  switch (calendar) {
    case "standard":
      return year > 1582 || (year === 1582 && (month > 10 || (month === 10 && day >= 15)))
        ? gregorianDays(year, month, day)
        : julianDays(year, month, day);
    case "proleptic_gregorian":
      return gregorianDays(year, month, day);
    case "julian":
      return julianDays(year, month, day);
    case "360_day":
      return year * 360 + (month - 1) * 30 + day - 1;
    case "noleap":
      return year * 365 + cumulative(month, false) + day - 1;
    case "all_leap":
      return year * 366 + cumulative(month, true) + day - 1;
  }
}

const ORIGIN: Record<Calendar, number> = {
  standard: 0,
  proleptic_gregorian: 0,
  julian: julianDays(1970, 1, 1),
  "360_day": 1970 * 360,
  noleap: 1970 * 365,
  all_leap: 1970 * 366,
};

/** Days from 1970-01-01 of the calendar to the date (which the caller has checked with isValidDate). */
export const dayNumber = (year: number, month: number, day: number, calendar: Calendar): number =>
  rawDays(year, month, day, calendar) - ORIGIN[calendar];

export { ORIGIN as CALENDAR_ORIGIN, GREGORIAN_START, JULIAN_SHIFT, cumulative };
