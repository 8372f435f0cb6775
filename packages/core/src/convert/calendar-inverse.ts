/**
 * Day number → date, the inverse of calendars.ts' dayNumber, per calendar.
 * Kept apart from the forward direction so each reads on one screen.
 */
import { CALENDAR_ORIGIN, cumulative, GREGORIAN_START, JULIAN_SHIFT, type Calendar } from "./calendars.js";

export interface YearMonthDay {
  year: number;
  month: number;
  day: number;
}

// The month and day of a day-of-year counted from March 1st (Hinnant).
function fromMarchDay(doy: number, marchYear: number): YearMonthDay {
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: month <= 2 ? marchYear + 1 : marchYear, month, day };
}

function gregorianDate(days: number): YearMonthDay {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  return fromMarchDay(doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)), yoe + era * 400);
}

function julianDate(days: number): YearMonthDay {
  const z = days - JULIAN_SHIFT;
  const era = Math.floor(z / 1461);
  const doe = z - era * 1461;
  // The leap day closes the 4-year cycle, so the last year has 366 days.
  const yoe = Math.min(3, Math.floor(doe / 365));
  return fromMarchDay(doe - 365 * yoe, yoe + era * 4);
}

// Idealised calendars: fixed-length years from year 0.
function fixedYearDate(raw: number, yearDays: 365 | 366): YearMonthDay {
  const year = Math.floor(raw / yearDays);
  const doy = raw - year * yearDays;
  let month = 12;
  while (cumulative(month, yearDays === 366) > doy) month--;
  return { year, month, day: doy - cumulative(month, yearDays === 366) + 1 };
}

export function dateOfDayNumber(days: number, calendar: Calendar): YearMonthDay {
  const raw = days + CALENDAR_ORIGIN[calendar];
  switch (calendar) {
    case "standard":
      return raw >= GREGORIAN_START ? gregorianDate(raw) : julianDate(raw);
    case "proleptic_gregorian":
      return gregorianDate(raw);
    case "julian":
      return julianDate(raw);
    case "360_day": {
      const year = Math.floor(raw / 360);
      const doy = raw - year * 360;
      return { year, month: Math.floor(doy / 30) + 1, day: (doy % 30) + 1 };
    }
    case "noleap":
      return fixedYearDate(raw, 365);
    case "all_leap":
      return fixedYearDate(raw, 366);
  }
}
