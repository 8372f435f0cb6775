/** Checks a read's variable and box once, for both readers, before any byte is read. */
import type { Box, SourceVariable } from "@parazarr/core";
import { NetcdfSelectionError } from "./errors.js";

/** The variable named by a read, or a tagged error that says why it cannot be read. */
export function variableToRead(
  file: string,
  variables: Readonly<Record<string, SourceVariable>>,
  skipped: Readonly<Record<string, string>>,
  name: string,
): SourceVariable {
  const found = Object.hasOwn(variables, name) ? variables[name] : undefined;
  if (found !== undefined) return found;
  const why = Object.hasOwn(skipped, name) ? skipped[name] : undefined;
  if (why !== undefined) throw new NetcdfSelectionError(file, name, `not readable: ${why}`);
  throw new NetcdfSelectionError(file, name, `no such variable; the file has ${Object.keys(variables).map((v) => JSON.stringify(v)).join(", ") || "none"}`);
}

/** Refuses a box that is not one [start, stop) of integers inside each dimension of `variable`. */
export function checkBox(file: string, variable: SourceVariable, box: Box): void {
  const { name, shape, dimensions } = variable;
  if (!Array.isArray(box) || box.length !== shape.length) {
    throw new NetcdfSelectionError(file, name, `the box must have one [start, stop) per dimension (${dimensions.join(", ") || "none: a scalar"}), got ${JSON.stringify(box)}`);
  }
  box.forEach((range, axis) => {
    const [start, stop] = Array.isArray(range) ? range : [];
    const size = shape[axis]!;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || start! < 0 || start! > stop! || stop! > size) {
      throw new NetcdfSelectionError(
        file,
        name,
        `box ${JSON.stringify(range)} along ${JSON.stringify(dimensions[axis])} is not a range of integers within [0, ${size}]`,
      );
    }
  });
}

export const boxShape = (box: Box): number[] => box.map(([start, stop]) => stop - start);
export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
