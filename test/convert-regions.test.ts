// Where a source file lands in the archive, from its coordinate values, and
// every way that can go wrong — named by file, coordinate and first bad value.
import { describe, expect, it } from "vitest";
import {
  checkCoordinatesMatch,
  decodeTimes,
  formatInstant,
  isCoordinateMismatchError,
  isCoordinateNotFoundError,
  isCoordinateOrderError,
  parseTimeUnits,
  regionFromCoordinates,
  timeAxis,
} from "@parazarr/core";

const axis = timeAxis("2020-01-01", "2020-12-31", "1D", "noleap"); // 365 days
const where = { file: "/data/tas_2020-03.nc", coordinate: "time", describe: (v: number) => formatInstant(v, "noleap"), archive: "file:///archive.zarr" };
const days = (values: number[]) => decodeTimes(values, parseTimeUnits("days since 2020-01-01", "noleap"));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a refusal");
}

describe("regionFromCoordinates", () => {
  it("finds March of a noleap year from its decoded times, whatever the file's units", () => {
    const march = days([59, 60, 61, 62]); // 2020-03-01 … 03-04 (no 29 February)
    expect(regionFromCoordinates(axis, march, where)).toEqual([59, 63]);
    const inHours = decodeTimes([59 * 24, 60 * 24], parseTimeUnits("hours since 2020-01-01 00:00:00", "365_day"));
    expect(regionFromCoordinates(axis, inHours, where)).toEqual([59, 61]);
    expect(regionFromCoordinates(axis, days([364]), where)).toEqual([364, 365]);
  });

  it("refuses a value the axis does not hold, naming the file and the value", () => {
    const e = thrown(() => regionFromCoordinates(axis, days([59, 60, 60.5]), where));
    expect(isCoordinateNotFoundError(e) && [e.file, e.coordinate, e.value, e.index]).toEqual([where.file, "time", "2020-03-02T12:00:00", 2]);
    expect((e as Error).message).toContain("/data/tas_2020-03.nc");
    expect((e as Error).message).toContain("2020-03-02T12:00:00");
  });

  it("refuses values before the axis starts or after it ends", () => {
    for (const [values, value] of [[[-1, 0], "2019-12-31T00:00:00"], [[364, 365], "2021-01-01T00:00:00"]] as const) {
      const e = thrown(() => regionFromCoordinates(axis, days([...values]), where));
      expect(isCoordinateNotFoundError(e) && e.value).toBe(value);
    }
  });

  it("refuses non-contiguous values: a file with a gap would leave archive steps unwritten", () => {
    const e = thrown(() => regionFromCoordinates(axis, days([10, 11, 13, 14]), where));
    expect(isCoordinateOrderError(e) && [e.file, e.value, e.index]).toEqual([where.file, "2020-01-14T00:00:00", 2]);
    expect((e as Error).message).toMatch(/non-contiguous/);
  });

  it("refuses unsorted and duplicate values with the first offending value and its index", () => {
    const unsorted = thrown(() => regionFromCoordinates(axis, days([10, 12, 11, 13]), where));
    expect(isCoordinateOrderError(unsorted) && [unsorted.value, unsorted.index]).toEqual(["2020-01-12T00:00:00", 2]);
    const duplicate = thrown(() => regionFromCoordinates(axis, days([10, 11, 11, 12]), where));
    expect(isCoordinateOrderError(duplicate) && [duplicate.file, duplicate.value, duplicate.index]).toEqual([where.file, "2020-01-12T00:00:00", 2]);
    expect((duplicate as Error).message).toMatch(/duplicates/);
    const nan = thrown(() => regionFromCoordinates(axis, [axis[0] as number, NaN], where));
    expect(isCoordinateOrderError(nan) && nan.index).toBe(1);
  });

  it("refuses a file with no time values, and an archive axis that is not strictly increasing, naming the archive", () => {
    const empty = thrown(() => regionFromCoordinates(axis, [], where));
    expect(isCoordinateNotFoundError(empty) && [empty.file, empty.coordinate]).toEqual([where.file, "time"]);
    const bad = Float64Array.from(axis);
    bad[100] = bad[99] as number;
    const e = thrown(() => regionFromCoordinates(bad, days([0]), where));
    expect(isCoordinateOrderError(e) && [e.file, e.index]).toEqual(["file:///archive.zarr", 100]);
    expect((e as Error).message).toContain("file:///archive.zarr");
  });

  it("places 10,000 files of 100 hourly steps on a million-step axis without an O(n·m) scan", () => {
    const hourly = timeAxis("2000-01-01", "2114-01-29T15:00:00", "1h", "standard");
    expect(hourly.length).toBe(1_000_000);
    const started = performance.now();
    for (let f = 0; f < 10_000; f++) {
      const values = hourly.subarray(f * 100, f * 100 + 100);
      expect(regionFromCoordinates(hourly, values, { file: `f${f}.nc`, coordinate: "time" })[0]).toBe(f * 100);
    }
    expect(performance.now() - started).toBeLessThan(15_000); // measured ≈ 0.3 s; generous under load
  });

  it("reads the axis once to check its order, then O(log n + m) values per file", () => {
    const hourly = timeAxis("2000-01-01", "2114-01-29T15:00:00", "1h", "standard");
    let reads = 0;
    const counted = new Proxy(hourly, {
      get(target, key) {
        if (typeof key === "string" && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key);
      },
    });
    const files = 1000;
    for (let f = 0; f < files; f++) {
      const start = f * 997;
      regionFromCoordinates(counted, hourly.subarray(start, start + 100), { file: `f${f}.nc`, coordinate: "time" });
    }
    // The order check reads each of the 10⁶ steps about twice, once; then per file ≤ 21 binary-search steps + 100 comparisons.
    expect(reads).toBeLessThanOrEqual(2 * hourly.length + files * (21 + 100));
  });
});

describe("checkCoordinatesMatch", () => {
  const lat = Float64Array.from({ length: 721 }, (_, i) => 90 - i * 0.25);
  const site = { file: "/data/tas_2020-03.nc", coordinate: "lat" };

  it("accepts equal coordinates, NaN matching NaN, and differences within the tolerance", () => {
    expect(() => checkCoordinatesMatch(lat, Float64Array.from(lat), site)).not.toThrow();
    expect(() => checkCoordinatesMatch([1, NaN, 3], [1, NaN, 3], site)).not.toThrow();
    expect(() => checkCoordinatesMatch([1, 2], [1, 2 + 1e-9], site, 1e-6)).not.toThrow();
  });

  it("refuses a differing value, naming the file, coordinate, index and both values", () => {
    const shifted = Float64Array.from(lat);
    shifted[400] = -10.125;
    const e = thrown(() => checkCoordinatesMatch(lat, shifted, site));
    expect(isCoordinateMismatchError(e) && [e.file, e.coordinate, e.index, e.value, e.expected]).toEqual([site.file, "lat", 400, "-10.125", "-10"]);
    expect((e as Error).message).toContain("/data/tas_2020-03.nc");
    expect(isCoordinateMismatchError(thrown(() => checkCoordinatesMatch([1, 2], [1, 2 + 1e-9], site)))).toBe(true);
    expect(isCoordinateMismatchError(thrown(() => checkCoordinatesMatch([1, NaN], [1, 2], site)))).toBe(true);
  });

  it("refuses a different length", () => {
    const e = thrown(() => checkCoordinatesMatch(lat, lat.subarray(0, 720), site));
    expect(isCoordinateMismatchError(e) && [e.value, e.expected, e.index]).toEqual(["720", "721", 720]);
  });
});
