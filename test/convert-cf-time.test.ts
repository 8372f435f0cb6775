// CF time decoded, encoded, formatted and parsed on every calendar, checked
// against cftime (Debian python3-cftime) — what xarray decodes users' files with.
import { beforeAll, describe, expect, it } from "vitest";
import {
  decodeTimes,
  encodeTimes,
  formatInstant,
  isInvalidDateError,
  isTimeAxisError,
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

  it("far from the epoch too: w + 0.1 days and 24·w + 2.4 hours are one instant for 1,000 days in 2509", () => {
    // The floats nearest these decimals are not exact multiples of a microsecond; read as their
    // decimals (what the writer meant) they are, and both files land on the same archive step.
    const whole = Array.from({ length: 1000 }, (_, i) => 197_000 + i);
    const days = decodeTimes(whole.map((w) => w + 0.1), parseTimeUnits("days since 1970-01-01", "proleptic_gregorian"));
    const hours = decodeTimes(whole.map((w) => w * 24 + 2.4), parseTimeUnits("hours since 1970-01-01", "proleptic_gregorian"));
    expect(Array.from(hours)).toEqual(Array.from(days));
    expect(formatInstant(days[24] as number, "proleptic_gregorian")).toBe("2509-06-08T02:24:00");
  });

  it("0.1 days and 2.4 hours are the same instant", () => {
    const [a] = decodeTimes([0.1], parseTimeUnits("days since 2000-01-01"));
    const [b] = decodeTimes([2.4], parseTimeUnits("hours since 2000-01-01"));
    const [c] = decodeTimes([144n], parseTimeUnits("minutes since 2000-01-01"));
    expect(a).toBe(b);
    expect(a).toBe(c);
  });
});

// Dates around every leap rule and the 1582 switch, as cftime reads them (or refuses them).
const DATES = [
  "2000-02-29", "1900-02-29", "2100-02-29", "2001-02-29", "2004-02-29 12:00:00", "2000-02-30", "2000-12-31",
  "1582-10-04", "1582-10-05", "1582-10-14", "1582-10-15", "1500-02-29", "1000-02-29", "0004-02-29",
  "0001-01-01", "0000-03-01", "9999-12-31 23:59:59", "2020-01-01T06:30:00.25", "2020-01-01 00:00:00 +05:30",
  "1990-1-1", "2000-13-01", "2000-06-31",
];
const FREQS: Array<[ours: string, pandas: string, start: string, end: string]> = [
  ["1D", "D", "1999-12-25", "2001-03-05"],
  ["6h", "6H", "2000-02-26", "2000-03-03T18:00:00"],
  ["90min", "90T", "2000-02-28 22:00:00", "2000-03-01 02:00:00"],
  ["1MS", "MS", "1999-11-15", "2004-03-01"],
  ["3MS", "3MS", "1582-01-01", "1583-12-30"],
  ["1YS", "AS", "1896-06-01", "1905-01-01"],
];
const TIME_UNITS = [
  "days since 2020-01-01", "day since 2020-01-01", "d since 2020-1-1", "hours since 1990-01-01 00:00:00", "hrs since 1990-01-01",
  "h since 1990-01-01", "minutes since 2000-01-01T00:00:00Z", "mins since 2000-01-01", "seconds since 1970-01-01T00:00:00Z",
  "secs since 1970-01-01 00:00:00 UTC", "msec since 2000-01-01", "milliseconds since 2000-01-01", "microseconds since 2000-01-01",
  "days since 1-1-1", "Days since 1850-01-01 00:00:00.0", "hours since 2000-01-01 00:00:00 +01:00", "hours since 2000-01-01 06:00 -0230",
  "days since 0000-01-01", "seconds since 0001-01-01 00:00:00.5", "fortnights since 2000-01-01", "days after 2000-01-01", "days since yesterday", "days since 2000-02-30", "months since 2000-01-01",
];
let reference: { dates: unknown[]; ranges: unknown[]; units: unknown[] } = { dates: [], ranges: [], units: [] };

beforeAll(() => {
  const requests: CftimeRequest[] = [
    ...CALENDARS.map((calendar) => ({ command: "parse" as const, calendar, texts: DATES })),
    ...CALENDARS.flatMap((calendar) => FREQS.map(([, freq, start, end]) => ({ command: "range" as const, calendar, start, end, freq }))),
    ...CALENDARS.map((calendar) => ({ command: "units" as const, calendar, units: TIME_UNITS })),
  ];
  const all = cftime(requests);
  const n = CALENDARS.length;
  reference = { dates: all.slice(0, n), ranges: all.slice(n, n + n * FREQS.length), units: all.slice(n + n * FREQS.length) };
}, 120_000);

describe.each(CALENDARS.map((c, i) => [c, i] as const))("dates, axes and units on the %s calendar, against cftime", (calendar, k) => {
  it("parses leap days, the 1582 switch and far dates as cftime does, and refuses the dates it refuses", () => {
    const ours = DATES.map((text) => {
      try {
        const instant = parseDate(text, calendar);
        return [formatInstant(instant, calendar), instant * 1e6];
      } catch (e) {
        if (!isInvalidDateError(e)) throw e;
        expect(e.text).toBe(text);
        return "refused";
      }
    });
    const theirs = (reference.dates[k] as Array<[string, number | null]>).map(([iso, micros]) => (micros === null ? "refused" : [iso, micros]));
    expect(ours.map((o, i) => [DATES[i], o])).toEqual(theirs.map((t, i) => [DATES[i], t]));
  });

  it.each(FREQS.map((f, i) => [...f, i] as const))("timeAxis(%s) gives the steps of xarray's cftime_range(freq=%s)", (freq, _pandas, start, end, i) => {
    const axis = timeAxis(start, end, freq, calendar);
    expect(Array.from(axis, (x) => formatInstant(x, calendar))).toEqual(reference.ranges[k * FREQS.length + i]);
  });

  it("reads the time units cftime reads, to the same reference time, and refuses the others naming the string", () => {
    const ours = TIME_UNITS.map((units) => {
      try {
        return formatInstant(parseTimeUnits(units, calendar).epochSeconds, calendar);
      } catch (e) {
        if (!isTimeUnitsError(e)) throw e;
        expect(e.units).toBe(units);
        expect(e.message).toContain(units);
        return "refused";
      }
    });
    // cftime reads "months since" on 360_day only; we refuse it everywhere (a month is no fixed length elsewhere, and mixing is a trap).
    const theirs = (reference.units[k] as string[]).map((t, i) => (t.startsWith("error") || TIME_UNITS[i]?.startsWith("months") ? "refused" : t));
    expect(ours.map((o, i) => [TIME_UNITS[i], o])).toEqual(theirs.map((t, i) => [TIME_UNITS[i], t]));
  });
});

describe("timeAxis against pandas' date_range (proleptic Gregorian, 1678–2262)", () => {
  const modern = FREQS.filter(([, , start]) => start > "1678");
  let ranges: unknown[] = [];
  beforeAll(() => {
    ranges = cftime(modern.map(([, freq, start, end]) => ({ command: "pandas", start, end, freq })));
  }, 120_000);

  it.each(modern.map((f, i) => [...f, i] as const))("%s matches pd.date_range(freq=%s) on standard and proleptic_gregorian", (freq, _pandas, start, end, i) => {
    const theirs = ranges[i];
    for (const calendar of ["standard", "proleptic_gregorian"] as const) {
      expect(Array.from(timeAxis(start, end, freq, calendar), (x) => formatInstant(x, calendar))).toEqual(theirs);
    }
  });
});

describe("CF time refusals and limits", () => {
  it('refuses calendar "none" and unknown calendars with a TimeUnitsError naming the calendar', () => {
    for (const calendar of ["none", "lunar"]) {
      const error = (() => { try { parseTimeUnits("days since 2000-01-01", calendar); } catch (e) { return e; } })();
      expect(isTimeUnitsError(error) && error.calendar).toBe(calendar);
    }
    expect(parseTimeUnits("days since 2000-01-01", "GREGORIAN").calendar).toBe("standard");
    expect(parseTimeUnits("days since 2000-01-01", "365_day").calendar).toBe("noleap");
    expect(parseTimeUnits("days since 2000-01-01", "366_day").calendar).toBe("all_leap");
    expect(parseTimeUnits("days since 2000-01-01").calendar).toBe("standard");
  });

  it("formats years after 9999 and refuses instants before year 1 (year 0 where cftime has one)", () => {
    const [late] = decodeTimes([1], parseTimeUnits("days since 9999-12-31", "standard"));
    expect(formatInstant(late as number, "standard")).toBe("10000-01-01T00:00:00");
    const [early] = decodeTimes([-1], parseTimeUnits("days since 0001-01-01", "standard"));
    expect(() => formatInstant(early as number, "standard")).toThrow(/before year 1/);
    const [zero] = decodeTimes([-1], parseTimeUnits("days since 0001-01-01", "noleap"));
    expect(formatInstant(zero as number, "noleap")).toBe("0000-12-31T00:00:00");
    expect(() => parseDate("0000-06-01", "julian")).toThrow(expect.objectContaining({ _tag: "InvalidDateError", text: "0000-06-01" }));
    expect(formatInstant(parseDate("0000-02-29", "proleptic_gregorian"), "proleptic_gregorian")).toBe("0000-02-29T00:00:00"); // ISO 8601: year 0 is a leap year
  });

  it("refuses a bad frequency or an end before the start with a TimeAxisError naming it", () => {
    for (const freq of ["1W", "0D", "D1", "", "-1h"]) {
      const error = (() => { try { timeAxis("2000-01-01", "2000-02-01", freq, "noleap"); } catch (e) { return e; } })();
      expect(isTimeAxisError(error) && [error.argument, error.value]).toEqual(["freq", freq]);
    }
    expect(() => timeAxis("2000-02-01", "2000-01-01", "1D", "noleap")).toThrow(expect.objectContaining({ _tag: "TimeAxisError", argument: "end", value: "2000-01-01" }));
    expect(() => timeAxis("2000-02-30", "2000-03-01", "1D", "noleap")).toThrow(expect.objectContaining({ _tag: "TimeAxisError", argument: "start" }));
    expect(() => timeAxis("2000-01-01", "2900-01-01", "1s", "noleap")).toThrow(/more than/);
  });

  it("reads pandas' older frequency aliases as their new names", () => {
    const same = (a: string, b: string) => expect(timeAxis("2000-01-01", "2000-01-03", a, "360_day")).toEqual(timeAxis("2000-01-01", "2000-01-03", b, "360_day"));
    same("6H", "6h");
    same("30T", "30min");
    same("10S", "10s");
    same("AS", "1YS");
    expect(timeAxis("2000-01-01", "2000-01-01T00:01:00", "10S", "360_day").length).toBe(7);
  });

  it("keeps an epoch's microseconds far from 1970", () => {
    const units = parseTimeUnits("seconds since 0001-01-01 00:00:00.5", "proleptic_gregorian");
    const [x] = decodeTimes([62135596800], units); // 1970-01-01T00:00:00.5
    expect(x).toBe(0.5);
    expect(encodeTimes([0.5], units)[0]).toBe(62135596800);
  });

  it("includes the end when it falls on a step and decodes a million hourly values in well under a few seconds", () => {
    const axis = timeAxis("2000-01-01", "2114-01-29T15:00:00", "1h", "standard");
    expect(axis.length).toBe(1_000_000);
    expect(formatInstant(axis[axis.length - 1] as number, "standard")).toBe("2114-01-29T15:00:00");
    const units = parseTimeUnits("hours since 1850-01-01", "standard");
    const values = encodeTimes(axis, units).map((v) => v + 0.5); // half-hours: not whole, the decimal path
    const started = performance.now();
    const decoded = decodeTimes(values, units);
    expect(performance.now() - started).toBeLessThan(20_000); // generous under load; measured ≈ 1 s
    expect(decoded[0]).toBe((axis[0] as number) + 1800);
  });
});
