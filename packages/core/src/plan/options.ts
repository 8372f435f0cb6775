import { PlanError } from "../errors.js";

/**
 * Checks a count option (workers, retries…) once, where it is given, with a
 * message that says which option, what was given and what is allowed.
 */
export function checkCount(where: string, option: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new PlanError(
      `${where}: ${option} must be a whole number ≥ ${min}, got ${describeValue(value)}`,
      option,
      value,
    );
  }
  return value;
}

export function checkOneOf<T extends string>(where: string, option: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new PlanError(
      `${where}: ${option} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describeValue(value)}`,
      option,
      value,
    );
  }
  return value as T;
}

export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  return `a ${Array.isArray(value) ? "array" : typeof value}`;
}
