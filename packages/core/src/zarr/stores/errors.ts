/**
 * Errors raised by the remote stores (HTTP, S3). Each carries a `_tag` and
 * a guard, like packages/core/src/errors.ts, and only own, cloneable fields:
 * the worker runtime copies own fields across a thread or process boundary,
 * so `transient` still reaches the scheduler's retry decision on the main side.
 *
 * Messages name the URL, bucket and key, never a credential: URLs are shown
 * without their query string or user info, where signed tokens live, and
 * every `url` field is redacted the same way (util.inspect prints fields).
 */
import { hasTag, ParazarrError } from "../../errors.js";
import { redactUrl } from "../../redact.js";

/** An HTTP store request answered with a status that is neither 2xx nor "missing", or never got an answer. */
export class HttpStoreError extends ParazarrError {
  readonly _tag = "HttpStoreError" as const;
  /** True for 5xx, 408, 429 and dropped connections: `map`'s `retries` applies. */
  readonly transient: boolean;
  readonly url: string;
  constructor(
    message: string,
    url: string,
    readonly status: number | undefined,
    transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "HttpStoreError";
    this.transient = transient;
    this.url = redactUrl(url);
  }
}

export interface S3ErrorDetails {
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  /** The S3 error code ("NoSuchBucket", "AccessDenied", "SlowDown") or a Node network code. */
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
}

/** An S3 request failed (other than a missing key, which reads as undefined). */
export class S3StoreError extends ParazarrError implements S3ErrorDetails {
  readonly _tag = "S3StoreError" as const;
  readonly operation: string;
  readonly bucket: string;
  readonly key: string;
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  /** True for 5xx, throttling and dropped connections: `map`'s `retries` applies. */
  readonly transient: boolean;
  constructor(message: string, details: S3ErrorDetails, transient: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "S3StoreError";
    this.operation = details.operation;
    this.bucket = details.bucket;
    this.key = details.key;
    this.code = details.code;
    this.status = details.status;
    this.requestId = details.requestId;
    this.transient = transient;
  }
}

/** A store request took longer than its timeout. Transient: a retry may be faster. */
export class StoreTimeoutError extends ParazarrError {
  readonly _tag = "StoreTimeoutError" as const;
  readonly transient = true;
  readonly url: string;
  constructor(
    message: string,
    url: string,
    readonly timeoutMs: number,
  ) {
    super(message);
    this.name = "StoreTimeoutError";
    this.url = redactUrl(url);
  }
}

/** A store URL or option that cannot name a store: says what was given and what is allowed. */
export class StoreSpecError extends ParazarrError {
  readonly _tag = "StoreSpecError" as const;
  /** The URL as given, redacted: no user info, no query. */
  readonly url: string;
  constructor(
    message: string,
    url: string,
    /** The offending option, when it is an option and not the URL. */
    readonly option?: string,
  ) {
    super(message);
    this.name = "StoreSpecError";
    this.url = redactUrl(url);
  }
}

/** An optional dependency a store needs is not installed (e.g. @aws-sdk/client-s3 for s3://). */
export class StoreDependencyError extends ParazarrError {
  readonly _tag = "StoreDependencyError" as const;
  constructor(
    message: string,
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StoreDependencyError";
  }
}

/**
 * The file store's system call failed: a read-only filesystem (EROFS), no
 * permission (EACCES, EPERM), a file where a directory should be (ENOTDIR,
 * EEXIST), no space (ENOSPC). The system error is the `cause`.
 */
export class FileStoreError extends ParazarrError {
  readonly _tag = "FileStoreError" as const;
  constructor(
    message: string,
    readonly url: string,
    readonly key: string,
    readonly operation: "read" | "write" | "delete",
    /** The system error code ("EROFS", "EACCES", …). */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "FileStoreError";
  }
}

// Guards match on the tag, not instanceof: a worker may load a second copy of core.
export const isHttpStoreError = (e: unknown): e is HttpStoreError => hasTag(e, "HttpStoreError");
export const isS3StoreError = (e: unknown): e is S3StoreError => hasTag(e, "S3StoreError");
export const isStoreTimeoutError = (e: unknown): e is StoreTimeoutError => hasTag(e, "StoreTimeoutError");
export const isStoreSpecError = (e: unknown): e is StoreSpecError => hasTag(e, "StoreSpecError");
export const isFileStoreError = (e: unknown): e is FileStoreError => hasTag(e, "FileStoreError");
export const isStoreDependencyError = (e: unknown): e is StoreDependencyError =>
  hasTag(e, "StoreDependencyError");

// Node socket and DNS codes that say "the network hiccupped", not "this can
// never work": a refused or reset connection may succeed on the next try (a
// restarting server, a load balancer recycling a connection). Deliberately
// absent: ENOTFOUND (a misspelt host) and TLS certificate failures.
const TRANSIENT_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

/** The Node network code of an error or of any error in its cause chain (SDKs wrap them). */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z_]+$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function isTransientNetworkCode(code: string | undefined): boolean {
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/** HTTP statuses worth retrying: server errors, request timeout, throttling. */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

// One redactor for every URL core prints; re-exported for the stores' imports.
export { redactUrl } from "../../redact.js";
