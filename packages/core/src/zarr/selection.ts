/**
 * Selections (for `read`) and regions (for `writeRegion`): one entry per
 * dimension, `null` for all of it, an index, or `[start, stop)`. An index
 * drops its dimension from the result, like zarrita's `get`.
 */
import { SelectionError } from "./errors.js";

export type DimensionSelection = null | number | readonly [start: number, stop: number];
export type Selection = readonly DimensionSelection[];

export interface NormalizedSelection {
  /** First selected index per dimension. */
  readonly start: readonly number[];
  /** Selected length per dimension (1 for an index). */
  readonly count: readonly number[];
  /** The result's shape: `count` without the dimensions selected by an index. */
  readonly shape: readonly number[];
  /** Per dimension: selected by a range or null (kept in the result), not by an index. */
  readonly kept: readonly boolean[];
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function normalizeSelection(
  selection: Selection | null | undefined,
  arrayShape: readonly number[],
  what: "selection" | "region",
): NormalizedSelection {
  const rank = arrayShape.length;
  if (selection === null || selection === undefined) {
    return { start: arrayShape.map(() => 0), count: [...arrayShape], shape: [...arrayShape], kept: arrayShape.map(() => true) };
  }
  if (!Array.isArray(selection)) {
    throw new SelectionError(`the ${what} must be a list with one entry per dimension, got ${describe(selection)}`);
  }
  if (selection.length !== rank) {
    throw new SelectionError(
      `the ${what} has ${selection.length} entries but the array has ${rank} dimensions (shape ${describe(arrayShape)})`,
    );
  }
  const start: number[] = [];
  const count: number[] = [];
  const shape: number[] = [];
  const kept: boolean[] = [];
  selection.forEach((entry: unknown, d) => {
    const size = arrayShape[d]!;
    if (entry === null) {
      start.push(0);
      count.push(size);
      shape.push(size);
      kept.push(true);
    } else if (typeof entry === "number") {
      if (!Number.isInteger(entry) || entry < 0 || entry >= size) {
        throw new SelectionError(
          `the ${what}'s index ${describe(entry)} in dimension ${d} is out of bounds: it must be a whole number in [0, ${size})`,
          d,
        );
      }
      start.push(entry);
      count.push(1);
      kept.push(false);
    } else if (Array.isArray(entry) && entry.length === 2) {
      const [lo, hi] = entry as [unknown, unknown];
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || (lo as number) < 0 || (hi as number) > size || (lo as number) > (hi as number)) {
        throw new SelectionError(
          `the ${what}'s range ${describe(entry)} in dimension ${d} is out of bounds: it must be [start, stop) with 0 ≤ start ≤ stop ≤ ${size}`,
          d,
        );
      }
      start.push(lo as number);
      count.push((hi as number) - (lo as number));
      shape.push((hi as number) - (lo as number));
      kept.push(true);
    } else {
      throw new SelectionError(
        `the ${what}'s entry in dimension ${d} must be null, an index or [start, stop), got ${describe(entry)}`,
        d,
      );
    }
  });
  return { start, count, shape, kept };
}
