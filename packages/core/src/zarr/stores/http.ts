/**
 * A read-only store over plain HTTP(S): GET `<base>/<key>`.
 *
 * Built on node:http(s) with a keep-alive agent per store, not on the global
 * fetch: on Node 20 a fetch costs ≈ 380 µs of CPU per small request against
 * ≈ 120 µs for node:http (measured on loopback, 16 KiB bodies, 32 at once),
 * and a read of many small chunks is bound by exactly that. A worker keeps
 * the store, hence the agent, hence warm connections, between tasks.
 *
 * It does not retry: a failure that may go away is marked `transient` and
 * `map`'s `retries` decide, so retries live in one place.
 */
import { Agent as HttpAgent, get as httpGet, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, get as httpsGet } from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { HttpStoreError, StoreSpecError, StoreTimeoutError, isTransientNetworkCode, isTransientStatus, networkErrorCode, redactUrl } from "./errors.js";
import type { Store, StoreKey, StoreSpec } from "./types.js";

/** Per-process tuning that is not part of the store's identity. */
export interface HttpStoreTuning {
  /**
   * Upper bound on one GET, redirects and body included, in ms. Default: the
   * environment's PARAZARR_HTTP_TIMEOUT_MS, else 30 000. The environment
   * reaches every worker, where stores are opened from a spec alone.
   */
  readonly timeoutMs?: number;
}

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
const TIMEOUT_ENV = "PARAZARR_HTTP_TIMEOUT_MS";
const MAX_REDIRECTS = 5;
// A read group fetches its chunks at once; beyond this many sockets per host
// requests queue in the agent instead of opening ever more connections.
const MAX_SOCKETS_PER_HOST = 128;

// Only "not found" means "chunk absent, use the fill value". A 403 is not
// read as missing, although S3 static hosts answer it for absent keys when
// listing is denied: a permission error that silently became fill values
// would hand users an array of zeros they take for data.
const MISSING_STATUSES = new Set([404, 410]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface HttpBase {
  /** Origin and path, ending in "/". */
  readonly prefix: string;
  /** The query string kept on every request ("" or "?…"), e.g. a container-wide access token. */
  readonly search: string;
}

interface Connection {
  readonly agents: { readonly http: HttpAgent; readonly https: HttpsAgent };
  readonly timeoutMs: number;
}

export async function openHttpStore(spec: StoreSpec, tuning: HttpStoreTuning = {}): Promise<Store> {
  const base = parseHttpBase(spec.url);
  const timeoutMs = tuning.timeoutMs !== undefined ? checkTimeout(spec.url, tuning.timeoutMs, "timeoutMs") : timeoutFromEnv(spec.url);
  const options = { keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST };
  const connection: Connection = { agents: { http: new HttpAgent(options), https: new HttpsAgent(options) }, timeoutMs };
  return {
    get: (key: StoreKey, opts?: { signal?: AbortSignal }) => getKey(connection, keyUrl(base, key), opts?.signal),
  };
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
  // A spec travels in every task message: a password in it would too.
  if (u.username !== "" || u.password !== "") {
    throw new StoreSpecError(`HTTP store: ${shown} carries a user name or password; store URLs travel in task messages and must not hold credentials`, shown);
  }
  const path = u.pathname.endsWith("/") ? u.pathname : `${u.pathname}/`;
  return { prefix: `${u.origin}${path}`, search: u.search };
}

function timeoutFromEnv(url: string): number {
  const text = process.env[TIMEOUT_ENV];
  if (text === undefined || text.trim() === "") return DEFAULT_HTTP_TIMEOUT_MS;
  return checkTimeout(url, Number(text), TIMEOUT_ENV, text);
}

function checkTimeout(url: string, timeoutMs: number, option: string, given: unknown = timeoutMs): number {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new StoreSpecError(
      `HTTP store ${redactUrl(url)}: ${option} must be a positive number of milliseconds, got ${JSON.stringify(given) ?? String(given)}`,
      redactUrl(url),
      option,
    );
  }
  return timeoutMs;
}

/** Each key segment is percent-encoded, so a "#", "?" or "%" in a name stays part of the path. */
function keyUrl(base: HttpBase, key: StoreKey): string {
  const path = key.slice(1).split("/").map(encodeURIComponent).join("/");
  return `${base.prefix}${path}${base.search}`;
}

async function getKey(connection: Connection, url: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
  signal?.throwIfAborted();
  // One controller for the caller's signal and the timeout.
  const controller = new AbortController();
  const unlink = linkAbort(signal, controller);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, connection.timeoutMs);
  try {
    return await getFollowingRedirects(connection, url, controller.signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw failure(error, url, timedOut ? connection.timeoutMs : undefined);
  } finally {
    clearTimeout(timer);
    unlink();
  }
}

async function getFollowingRedirects(connection: Connection, url: string, signal: AbortSignal): Promise<Uint8Array | undefined> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await request(connection, current, signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      response.resume(); // drain, so the socket goes back to the pool
      current = new URL(location, current).href;
      continue;
    }
    if (MISSING_STATUSES.has(status)) {
      response.resume();
      return undefined;
    }
    if (status < 200 || status > 299) {
      response.resume();
      const text = `${status}${response.statusMessage ? ` ${response.statusMessage}` : ""}`;
      throw new HttpStoreError(`HTTP store: GET ${redactUrl(current)} answered ${text}`, redactUrl(current), status, isTransientStatus(status));
    }
    return decodeContent(await readBody(response), response.headers["content-encoding"], current);
  }
  throw new HttpStoreError(`HTTP store: GET ${redactUrl(url)} was redirected more than ${MAX_REDIRECTS} times`, redactUrl(url), undefined, false);
}

function request(connection: Connection, url: string, signal: AbortSignal): Promise<IncomingMessage> {
  const https = url.startsWith("https:");
  const get = https ? httpsGet : httpGet;
  const agent = https ? connection.agents.https : connection.agents.http;
  // identity: chunks are compressed by their codecs already; a server that
  // compresses anyway is still understood (decodeContent).
  const headers = { "accept-encoding": "identity", "user-agent": "parazarr" };
  return new Promise((resolve, reject) => {
    get(url, { agent, headers, signal }, resolve).on("error", reject);
  });
}

/**
 * The whole body in a buffer of its own, starting at offset 0: socket reads
 * can be views into a larger slab, and a decoder that views the bytes as
 * float32 needs them aligned (and should not keep the slab alive).
 */
async function readBody(response: IncomingMessage): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const part of response as AsyncIterable<Buffer>) {
    parts.push(part);
    length += part.length;
  }
  const only = parts.length === 1 ? parts[0]! : undefined;
  if (only !== undefined && only.byteOffset === 0 && only.byteLength === only.buffer.byteLength) return new Uint8Array(only.buffer);
  const body = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.length;
  }
  return body;
}

function decodeContent(body: Uint8Array, encoding: string | undefined, url: string): Uint8Array {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return body;
    case "gzip":
    case "x-gzip":
      return new Uint8Array(gunzipSync(body));
    case "deflate":
      return new Uint8Array(inflateSync(body));
    case "br":
      return new Uint8Array(brotliDecompressSync(body));
    default:
      throw new HttpStoreError(`HTTP store: GET ${redactUrl(url)} answered with content-encoding ${JSON.stringify(encoding)}, which it cannot decode`, redactUrl(url), undefined, false);
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
