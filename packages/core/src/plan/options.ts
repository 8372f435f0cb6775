import { availableParallelism } from "node:os";
import { PlanError } from "../errors.js";

/**
 * Bounds on worker counts. More workers than cores only helps tasks that
 * wait (HTTP or S3 reads, a slow disk), and 8 per core covers that; past it
 * a plan only costs memory: a worker thread holds ≈ 5 MB (threads(1e6)
 * reached 840 threads and 4 GiB before it was killed), a worker process
 * ≈ 40 MB. Small machines still get 64, so an I/O-bound plan runs on a
 * laptop; no machine gets more than 1024. Hosts of a remote plan are
 * bounded by the absolute maximum only: their core count is not known here.
 */
export const WORKERS_PER_CORE = 8;
export const MIN_WORKER_BOUND = 64;
export const MAX_WORKERS = 1024;

/** The most workers a plan may start on this machine. */
export function localWorkerBound(): number {
  return Math.min(MAX_WORKERS, Math.max(MIN_WORKER_BOUND, WORKERS_PER_CORE * availableParallelism()));
}

/**
 * Checks a worker count: a whole number ≥ 1 that this machine (or, with
 * `remote`, any machine) can run, or a PlanError that names the bound.
 */
export function checkWorkers(where: string, option: string, value: unknown, { remote = false } = {}): number {
  const workers = checkCount(where, option, value, 1);
  const bound = remote ? MAX_WORKERS : localWorkerBound();
  if (workers > bound) {
    const why = remote
      ? `at most ${MAX_WORKERS} per host`
      : `at most ${bound} on this machine (${WORKERS_PER_CORE} per core for its ${availableParallelism()} cores, at least ${MIN_WORKER_BOUND}, never more than ${MAX_WORKERS})`;
    throw new PlanError(`${where}: ${option} must be ${why}, got ${workers}`, option, value);
  }
  return workers;
}

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
