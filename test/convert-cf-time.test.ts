// CF time decoded, encoded, formatted and parsed on every calendar, checked
// against cftime (Debian python3-cftime) — what xarray decodes users' files with.
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeTimes,
  encodeTimes,
  formatInstant,
  isInvalidDateError,
  isTimeUnitsError,
  parseDate,
  parseTimeUnits,
  regionFromCoordinates,
  timeAxis,
  type Calendar,
} from "@parazarr/core";
import { cftime, type CftimeRequest } from "./fixtures/cftime-reference.js";

const CALENDARS: Calendar[] = ["standard", "proleptic_gregorian", "noleap", "all_leap", "360_day", "julian"];
const UNITS = ["days", "hours", "minutes", "seconds", "milliseconds"] as const;
const UNIT_DAYS = { days: 1, hours: 24, minutes: 1440, seconds: 86_400, milliseconds: 86_400_000 };
const EPOCHS = ["1970-01-01", "2020-01-01", "1990-01-01 00:00:00", "1850-01-01", "0001-01-01", "1582-10-15", "1500-03-01", "9000-06-15 12:00:00"];

// A seeded generator, so a failure can be replayed.
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Offsets in `unit` that keep the date within years 1..9999: whole numbers,
// common fractions (0.1 day, 1/24, 1/8) and arbitrary values to 3 decimals.
function offsets(epoch: string, unit: keyof typeof UNIT_DAYS, rnd: () => number, count: number): number[] {
  const year = Number(epoch.slice(0, 4));
  const [lo, hi] = [-(year - 1) * 360 * UNIT_DAYS[unit], (9999 - year) * 360 * UNIT_DAYS[unit]];
  return Array.from({ length: count }, (_, i) => {
    const near = i % 2 === 0 ? (rnd() - 0.5) * 20_000 * UNIT_DAYS[unit] : lo + rnd() * (hi - lo); // near the epoch, or anywhere
    const whole = Math.max(lo, Math.min(hi, Math.round(near)));
    const fraction = [0, 0.1, 0.5, 0.125, 1 / 24, 0.25, Math.round(rnd() * 1000) / 1000][i % 7] as number;
    return whole + fraction;
  });
}

// The spacing of float64 values around x.
const ulp = (x: number) => 2 ** (Math.floor(Math.log2(Math.abs(x) || 2 ** -1022)) - 52);

const cases: Array<{ calendar: Calendar; units: string; values: number[] }> = [];
let answers: unknown[] = [];

beforeAll(() => {
  const rnd = random(11);
  for (const calendar of CALENDARS) {
    for (const epoch of EPOCHS) for (const unit of UNITS) cases.push({ calendar, units: `${unit} since ${epoch}`, values: offsets(epoch, unit, rnd, 100) });
  }
  answers = cftime(cases.map((c) => ({ command: "decode", ...c }) satisfies CftimeRequest));
}, 120_000);

describe.each(CALENDARS)("CF time on the %s calendar, against cftime", (calendar) => {
  it("decodes 4,000 random offsets in 5 units from 8 epochs to the dates cftime's num2date gives", () => {
    const wrong: string[] = [];
    let exact = 0;
    cases.forEach((c, k) => {
      if (c.calendar !== calendar) return;
      const units = parseTimeUnits(c.units, calendar);
      const instants = decodeTimes(c.values, units);
      (answers[k] as string[]).forEach((theirs, i) => {
        const [v, x] = [c.values[i] as number, instants[i] as number];
        const micros = Math.abs(v) * units.unitSeconds * 1e6;
        if (micros < 2 ** 52 && Math.abs(x) < 2 ** 32) {
          // The value and the instant both hold every microsecond: the text must be cftime's.
          exact++;
          if (formatInstant(x, calendar) !== theirs) wrong.push(`${v} ${c.units}: ${formatInstant(x, calendar)} ≠ ${theirs}`);
        } else if (micros < 2 ** 52) {
          // The instant is the float nearest cftime's microsecond, exactly.
          if (x !== parseDate(theirs, calendar)) wrong.push(`${v} ${c.units}: ${x} ≠ ${parseDate(theirs, calendar)} (${theirs})`);
        } else {
          // A value this far from its epoch cannot locate a microsecond (cftime's float product and our
          // decimal may round apart): they must agree to the value's own resolution.
          const resolution = ulp(v) * units.unitSeconds + ulp(x);
          if (Math.abs(x - parseDate(theirs, calendar)) > resolution) wrong.push(`${v} ${c.units}: ${formatInstant(x, calendar)} ≠ ${theirs}`);
        }
      });
    });
    expect(wrong).toEqual([]);
    expect(exact).toBeGreaterThan(900); // about a quarter: the near-1970 epochs
  });

  it("round-trips instants through encodeTimes, exactly wherever the unit can hold every microsecond", () => {
    let exact = 0;
    for (const c of cases.filter((c) => c.calendar === calendar)) {
      const units = parseTimeUnits(c.units, calendar);
      const instants = decodeTimes(c.values, units);
      const encoded = encodeTimes(instants, units);
      const again = decodeTimes(encoded, units);
      encoded.forEach((v, i) => {
        const step = ulp(v) * units.unitSeconds; // the unit's resolution at this value
        if (step < 0.5e-6) {
          exact++;
          expect({ units: c.units, value: v, instant: again[i] }).toEqual({ units: c.units, value: v, instant: instants[i] });
        } else {
          expect(Math.abs((again[i] as number) - (instants[i] as number))).toBeLessThanOrEqual(step + ulp(instants[i] as number));
        }
      });
    }
    expect(exact).toBeGreaterThan(2000);
  });
});

describe("one axis from files with different units", () => {
  it('"days since 2020-01-01" and "hours since 1990-01-01" place the same times on the same archive steps', () => {
    const axis = timeAxis("2020-01-01", "2020-12-31T18:00:00", "6h", "standard");
    const daily = decodeTimes([10, 10.25, 10.5, 10.75], parseTimeUnits("days since 2020-01-01", "standard"));
    const hoursSince1990 = (30 * 365 + 7) * 24 + 11 * 24; // 2020-01-12 00:00 (7 leap days in 1990–2019)
    const hourly = decodeTimes([hoursSince1990, hoursSince1990 + 6], parseTimeUnits("hours since 1990-01-01 00:00:00", "gregorian"));
    expect(regionFromCoordinates(axis, daily, { file: "a.nc", coordinate: "time" })).toEqual([40, 44]);
    expect(regionFromCoordinates(axis, hourly, { file: "b.nc", coordinate: "time" })).toEqual([44, 46]);
    expect(formatInstant(hourly[0] as number, "standard")).toBe("2020-01-12T00:00:00");
  });

  it("0.1 days and 2.4 hours are the same instant", () => {
    const [a] = decodeTimes([0.1], parseTimeUnits("days since 2000-01-01"));
    const [b] = decodeTimes([2.4], parseTimeUnits("hours since 2000-01-01"));
    const [c] = decodeTimes([144n], parseTimeUnits("minutes since 2000-01-01"));
    expect(a).toBe(b);
    expect(a).toBe(c);
  });
});
