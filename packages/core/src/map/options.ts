import { PlanError } from "../errors.js";
import { checkCount, checkOneOf, describeValue } from "../plan/options.js";

export interface Progress {
  /** Items finished, whether they succeeded or failed for good. */
  readonly done: number;
  /** Items that failed for good (after their retries). */
  readonly failed: number;
  /** Number of inputs; undefined until an iterable input is exhausted. */
  readonly total: number | undefined;
}

export interface MapOptions {
  /** Cancels the map: queued work is dropped, running work is cancelled, the call rejects with AbortError. */
  signal?: AbortSignal;
  /** Called after each item finishes. */
  onProgress?: (progress: Progress) => void;
  /** How many times to retry an item whose error is transient or whose worker died. Default 0. */
  retries?: number;
  /** Base of the exponential backoff between retries, in ms. Default 200. */
  retryDelayMs?: number;
  /** Items per message to a worker: a number, or "auto" (default) from measured task cost. */
  batchSize?: number | "auto";
  /** "fail-fast" (default) rejects on the first failure; "collect" runs everything and reports failures. */
  errors?: "fail-fast" | "collect";
  /**
   * When the map is cancelled (its signal, a fail-fast failure, the plan
   * closing), each running task's `ctx.signal` fires first; a task still
   * running this many ms later is stopped by force (its thread ended, its
   * process killed), on every plan that can. Default 1000.
   */
  cancelGraceMs?: number;
}

export interface ResolvedOptions {
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: Progress) => void) | undefined;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly batchSize: number | "auto";
  readonly errors: "fail-fast" | "collect";
  readonly cancelGraceMs: number;
}

/** One grace period for every plan; see MapOptions.cancelGraceMs. */
export const DEFAULT_CANCEL_GRACE_MS = 1_000;

const KNOWN = new Set(["signal", "onProgress", "retries", "retryDelayMs", "batchSize", "errors", "cancelGraceMs"]);

/** Checks map options once, where they are given, before anything runs. */
export function resolveOptions(where: string, options: MapOptions = {}): ResolvedOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new PlanError(`${where}: unknown option ${JSON.stringify(key)}; known options are ${[...KNOWN].join(", ")}`, key);
    }
  }
  const { signal, onProgress } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new PlanError(`${where}: signal must be an AbortSignal, got ${describeValue(signal)}`, "signal", signal);
  }
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw new PlanError(`${where}: onProgress must be a function, got ${describeValue(onProgress)}`, "onProgress", onProgress);
  }
  const batchSize = options.batchSize ?? "auto";
  return {
    signal,
    onProgress,
    retries: checkCount(where, "retries", options.retries ?? 0, 0),
    retryDelayMs: checkCount(where, "retryDelayMs", options.retryDelayMs ?? 200, 0),
    batchSize: batchSize === "auto" ? "auto" : checkCount(where, "batchSize", batchSize, 1),
    errors: checkOneOf(where, "errors", options.errors ?? "fail-fast", ["fail-fast", "collect"] as const),
    cancelGraceMs: checkCount(where, "cancelGraceMs", options.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS, 0),
  };
}
