/**
 * A source's place in the archive, found from its coordinate values, as
 * xarray's `region="auto"` does and zarrify's `searchsorted` does not: every
 * value must be in the archive's axis *exactly* (time values are compared as
 * instants, see cf-date.ts), strictly increasing and contiguous there, or the
 * source would be written over a neighbour's time steps.
 *
 * Cost: O(log n + m) for m values on an n-long axis — one binary search for
 * the first value, then one comparison per value. Checking that the axis
 * itself is strictly increasing is O(n), so it is done once per axis object
 * (a convert run asks for thousands of files against the same axis, which
 * nothing changes once it is built).
 */
import {
  CoordinateMismatchError,
  CoordinateNotFoundError,
  CoordinateOrderError,
} from "./convert-errors.js";

export interface CoordinateSite {
  /** The source file (URL or path) whose values are being placed. */
  file: string;
  /** The coordinate's name, e.g. "time". */
  coordinate: string;
  /** How to write a value in a message, e.g. `(v) => formatInstant(v, "noleap")`. */
  describe?: (value: number) => string;
  /** The archive the axis belongs to, for an error about the axis itself. */
  archive?: string;
}

const checkedAxes = new WeakSet<object>();

function checkAxis(axis: ArrayLike<number>, where: CoordinateSite, describe: (v: number) => string): void {
  if (checkedAxes.has(axis)) return;
  for (let i = 1; i < axis.length; i++) {
    if (!((axis[i] as number) > (axis[i - 1] as number))) {
      const value = describe(axis[i] as number);
      throw new CoordinateOrderError(
        `the ${where.coordinate} axis of archive ${where.archive ?? "(unnamed)"} is not strictly increasing: ` +
          `value ${value} at index ${i} follows ${describe(axis[i - 1] as number)}`,
        where.archive ?? "",
        where.coordinate,
        value,
        i,
      );
    }
  }
  checkedAxes.add(axis);
}

/** The first index whose value is ≥ `value` (axis strictly increasing). */
function lowerBound(axis: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = axis.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((axis[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const found = (axis: ArrayLike<number>, value: number) => axis[lowerBound(axis, value)] === value;

/** The index range [start, stop) of the archive axis that holds exactly `values`. */
export function regionFromCoordinates(axis: ArrayLike<number>, values: ArrayLike<number>, where: CoordinateSite): [start: number, stop: number] {
  const describe = where.describe ?? String;
  checkAxis(axis, where, describe);
  const { file, coordinate } = where;
  if (values.length === 0) {
    throw new CoordinateNotFoundError(`${file}: coordinate ${coordinate} has no values to place in the archive`, file, coordinate, "", 0);
  }
  for (let i = 1; i < values.length; i++) {
    const v = values[i] as number;
    const previous = values[i - 1] as number;
    if (!(v > previous)) {
      const how = v === previous ? "duplicates the one before it" : "is not greater than the one before it";
      throw new CoordinateOrderError(
        `${file}: coordinate ${coordinate} is not strictly increasing: value ${describe(v)} at index ${i} ${how} (${describe(previous)})`,
        file, coordinate, describe(v), i,
      );
    }
  }
  const start = lowerBound(axis, values[0] as number);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (axis[start + i] === v) continue;
    if (!found(axis, v)) {
      throw new CoordinateNotFoundError(
        `${file}: coordinate ${coordinate} value ${describe(v)} (index ${i}) is not in the archive's ${coordinate} axis`,
        file, coordinate, describe(v), i,
      );
    }
    throw new CoordinateOrderError(
      `${file}: coordinate ${coordinate} is non-contiguous in the archive: value ${describe(v)} (index ${i}) ` +
        `is not the axis step after ${describe(values[i - 1] as number)}, which would leave archive steps between them unwritten`,
      file, coordinate, describe(v), i,
    );
  }
  return [start, start + values.length];
}

/** Refuses a source coordinate (lat, lon, bounds…) that differs from the template's: same length, values within `tolerance`, NaN equal to NaN. */
export function checkCoordinatesMatch(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  where: { file: string; coordinate: string },
  tolerance = 0,
): void {
  const { file, coordinate } = where;
  if (expected.length !== actual.length) {
    throw new CoordinateMismatchError(
      `${file}: coordinate ${coordinate} has ${actual.length} values, the archive's has ${expected.length}`,
      file, coordinate, String(actual.length), String(expected.length), Math.min(expected.length, actual.length),
    );
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    const a = actual[i] as number;
    if (a === e || Math.abs(a - e) <= tolerance || (Number.isNaN(a) && Number.isNaN(e))) continue;
    throw new CoordinateMismatchError(
      `${file}: coordinate ${coordinate} differs from the archive's at index ${i}: ${a} in the file, ${e} in the archive` +
        (tolerance > 0 ? ` (tolerance ${tolerance})` : ""),
      file, coordinate, String(a), String(e), i,
    );
  }
}
