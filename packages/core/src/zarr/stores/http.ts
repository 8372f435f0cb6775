/**
 * A read-only store over plain HTTP(S): GET `<base>/<key>`.
 *
 * It uses Node's global fetch (undici), whose default dispatcher keeps
 * connections alive and pools them per origin, so a worker that keeps this
 * store between tasks keeps its connections warm. It does not retry: a
 * failure that may go away is marked `transient` and `map`'s `retries`
 * decide, so retries live in one place.
 */
import { HttpStoreError, StoreSpecError, StoreTimeoutError, isTransientNetworkCode, isTransientStatus, networkErrorCode, redactUrl } from "./errors.js";
import type { Store, StoreKey, StoreSpec } from "./types.js";

/** Per-process tuning that is not part of the store's identity. */
export interface HttpStoreTuning {
  /** Upper bound on one GET, headers and body, in ms. Default 30 000. */
  readonly timeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

// Static hosts in front of S3 (a bucket website, CloudFront) answer 403 for a
// key that does not exist when listing is not allowed; to Zarr both mean
// "chunk absent, use the fill value".
const MISSING_STATUSES = new Set([403, 404]);

export async function openHttpStore(spec: StoreSpec, tuning: HttpStoreTuning = {}): Promise<Store> {
  const base = parseHttpBase(spec.url);
  const timeoutMs = checkTimeout(spec.url, tuning.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS);
  return {
    get: (key: StoreKey, options?: { signal?: AbortSignal }) => getKey(base, key, timeoutMs, options?.signal),
  };
}

interface HttpBase {
  /** Origin and path, ending in "/". */
  readonly prefix: string;
  /** The query string kept on every request ("" or "?…"), e.g. a container-wide access token. */
  readonly search: string;
}

function parseHttpBase(url: string): HttpBase {
  const shown = redactUrl(url);
  if (!URL.canParse(url)) {
    throw new StoreSpecError(`HTTP store: ${JSON.stringify(shown)} is not a URL; expected http://host/path or https://host/path`, shown);
  }
  const u = new URL(url);
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    throw new StoreSpecError(`HTTP store: ${shown} has scheme ${u.protocol}; expected http: or https:`, shown);
  }
  // fetch refuses URLs with user info anyway; refusing here says why, and keeps
  // a password out of every task message that would carry the spec.
  if (u.username !== "" || u.password !== "") {
    throw new StoreSpecError(`HTTP store: ${shown} carries a user name or password; store URLs travel in task messages and must not hold credentials`, shown);
  }
  const path = u.pathname.endsWith("/") ? u.pathname : `${u.pathname}/`;
  return { prefix: `${u.origin}${path}`, search: u.search };
}

function checkTimeout(url: string, timeoutMs: number): number {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new StoreSpecError(`HTTP store ${redactUrl(url)}: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`, redactUrl(url), "timeoutMs");
  }
  return timeoutMs;
}

/** Each key segment is percent-encoded, so a "#", "?" or "%" in a name stays part of the path. */
function keyUrl(base: HttpBase, key: StoreKey): string {
  const path = key.slice(1).split("/").map(encodeURIComponent).join("/");
  return `${base.prefix}${path}${base.search}`;
}

async function getKey(base: HttpBase, key: StoreKey, timeoutMs: number, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
  signal?.throwIfAborted();
  const url = keyUrl(base, key);
  // One controller for the caller's signal and the timeout.
  const controller = new AbortController();
  const unlink = linkAbort(signal, controller);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (MISSING_STATUSES.has(response.status)) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      await response.body?.cancel();
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      throw new HttpStoreError(`HTTP store: GET ${redactUrl(url)} answered ${status}`, redactUrl(url), response.status, isTransientStatus(response.status));
    }
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw failure(error, url, timedOut ? timeoutMs : undefined);
  } finally {
    clearTimeout(timer);
    unlink();
  }
}

/** The error a failed GET becomes: ours as it is, a timeout, or a network failure with its code. */
function failure(error: unknown, url: string, timedOutAfterMs: number | undefined): Error {
  if (error instanceof HttpStoreError) return error;
  const shown = redactUrl(url);
  if (timedOutAfterMs !== undefined) {
    return new StoreTimeoutError(`HTTP store: GET ${shown} took longer than ${timedOutAfterMs} ms`, shown, timedOutAfterMs);
  }
  const code = networkErrorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new HttpStoreError(`HTTP store: GET ${shown} failed: ${reason}`, shown, undefined, isTransientNetworkCode(code), { cause: error });
}

const linked = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Aborts `controller` when `signal` aborts, until the returned function is
 * called. A read group fetches all its chunks at once under one task
 * signal: one listener per request trips Node's MaxListenersExceededWarning
 * past 10, and AbortSignal.any() on a long-lived signal leaks on Node 20.20
 * (heap grew ≈ 60 bytes per call, measured over 500 000 calls). So each
 * caller signal gets a single listener that fans out to its live requests.
 * Exported for the S3 store, whose SDK adds a listener per request too.
 */
export function linkAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (signal === undefined) return () => undefined;
  let controllers = linked.get(signal);
  if (controllers === undefined) {
    const live = new Set<AbortController>();
    controllers = live;
    linked.set(signal, live);
    signal.addEventListener("abort", () => {
      for (const c of live) c.abort(signal.reason);
      live.clear();
    }, { once: true });
  }
  controllers.add(controller);
  const live = controllers;
  return () => void live.delete(controller);
}
