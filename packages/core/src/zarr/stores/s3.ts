/**
 * A read-write store on S3 (or any S3-protocol server): `s3://bucket/prefix`.
 *
 * `@aws-sdk/client-s3` is an optional peer dependency, imported on first use,
 * so installing core alone pulls none of the SDK.
 *
 * Credentials come only from the SDK's default chain in this process
 * (environment, profile, SSO, instance or task role): a spec travels in task
 * messages, so it never holds one, and error messages are built from the
 * operation, bucket, key and S3 error code, never from the request. The
 * SDK's error stays as `cause`, copied without the fields in which S3 echoes
 * the request's credentials (see sdkCause).
 *
 * Retries: the SDK's own (standard mode, 3 attempts unless AWS_MAX_ATTEMPTS
 * says otherwise) stay on, because S3 expects clients to back off on SlowDown
 * per request and its retry quota does that; what fails after them is
 * marked `transient` for `map`'s retries.
 *
 * Node 20: @aws-sdk/client-s3 3.1169 prints a NodeVersionSupportWarning once
 * per process on Node < 22. That is the SDK talking to the application, so
 * this module does not silence it (it would have to change process.env);
 * applications, and our vitest config, set
 * AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true once they have read it.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { isTransientNetworkCode, isTransientStatus, networkErrorCode, redactUrl, S3StoreError, StoreDependencyError, StoreSpecError } from "./errors.js";
import { redactText, scrubError } from "../../redact.js";
import { linkAbort } from "./http.js";
import { exclusiveCreate, listNames } from "./s3-create.js";
import type { Store, StoreKey, StoreOptions, StoreSpec } from "./types.js";

export type S3Sdk = typeof import("@aws-sdk/client-s3");

/** The bucket and key prefix named by an `s3://bucket/prefix` URL. */
export interface S3Location {
  readonly bucket: string;
  /** "" or a prefix without leading or trailing "/". */
  readonly prefix: string;
}

// Bounded waits: a connection that never opens, a server that never answers
// or a body that stalls half-way must fail (transiently) instead of hanging
// a worker forever.
const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
const SOCKET_IDLE_TIMEOUT_MS = 60_000;
const FALLBACK_REGION = "us-east-1";

export async function openS3Store(spec: StoreSpec): Promise<Store> {
  const location = parseS3Url(spec.url);
  const options = checkS3Options(spec.url, spec.options ?? {});
  const sdk = await loadSdk();
  const client = new sdk.S3Client({
    region: options.region ?? (await defaultRegion(sdk)),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.forcePathStyle !== undefined && { forcePathStyle: options.forcePathStyle }),
    // A bucket in another region answers 301; follow it instead of failing.
    followRegionRedirects: true,
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      // @smithy/node-http-handler 4.x only logs a warning on requestTimeout unless told to throw.
      throwOnRequestTimeout: true,
    },
  });
  return s3Store(sdk, client, location);
}

function s3Store(sdk: S3Sdk, client: S3Client, { bucket, prefix }: S3Location): Store {
  const objectKey = (key: StoreKey) => (prefix === "" ? key.slice(1) : `${prefix}${key}`);
  const exclusive = exclusiveCreate(sdk, client, bucket, objectKey("/.parazarr/probes/"), s3Error);
  return {
    async get(key, options) {
      const Key = objectKey(key);
      const signal = options?.signal;
      signal?.throwIfAborted();
      // The SDK adds one abort listener per request: give it a per-request signal.
      const controller = new AbortController();
      const unlink = linkAbort(signal, controller);
      try {
        const out = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key }), { abortSignal: controller.signal });
        if (out.Body === undefined) return new Uint8Array(0);
        return await out.Body.transformToByteArray();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (isMissingKey(error)) return undefined;
        throw s3Error("GetObject", bucket, Key, error);
      } finally {
        unlink();
      }
    },
    // PutObject replaces the object whole: readers see the old bytes or the new, never a mix.
    async set(key, value) {
      const Key = objectKey(key);
      try {
        await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body: value }));
      } catch (error) {
        throw s3Error("PutObject", bucket, Key, error);
      }
    },
    create: (key, value) => exclusive.create(objectKey(key), value),
    list: (prefix) => listNames(sdk, client, bucket, objectKey(prefix), s3Error),
    // S3 answers 204 for a key that does not exist, so a missing key is not an error here either.
    async delete(key) {
      const Key = objectKey(key);
      try {
        await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key }));
      } catch (error) {
        throw s3Error("DeleteObject", bucket, Key, error);
      }
    },
  };
}

let sdkPromise: Promise<S3Sdk> | undefined;

function loadSdk(): Promise<S3Sdk> {
  sdkPromise ??= import("@aws-sdk/client-s3").catch((cause: unknown) => {
    sdkPromise = undefined;
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((cause as Error).message).includes("@aws-sdk/client-s3")) {
      throw new StoreDependencyError(
        "s3:// stores need the AWS SDK, which core does not install by itself: npm install @aws-sdk/client-s3 " +
          "(in every environment that runs tasks, since each worker opens the store itself)",
        "@aws-sdk/client-s3",
        { cause },
      );
    }
    throw cause;
  });
  return sdkPromise;
}

/** The region the SDK's default chain finds (AWS_REGION, profile), else us-east-1 as StoreOptions documents. */
async function defaultRegion(sdk: S3Sdk): Promise<string> {
  const probe = new sdk.S3Client({});
  try {
    return await probe.config.region();
  } catch {
    return FALLBACK_REGION;
  } finally {
    probe.destroy();
  }
}

/** `s3://bucket` or `s3://bucket/some/prefix[/]`. */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/?#]+)(?:\/(.*))?$/.exec(url);
  const bucket = match?.[1];
  if (match === null || bucket === undefined) {
    throw new StoreSpecError(`S3 store: ${JSON.stringify(redactUrl(url))} is not an S3 URL; expected s3://bucket or s3://bucket/prefix`, redactUrl(url));
  }
  // No bucket name holds ":" or "@": one that does is `user:password@…`
  // (with a "/" in the secret, no URL parser sees the user info), so it is
  // not echoed.
  if (/[:@]/.test(bucket)) {
    throw new StoreSpecError(`S3 store: ${JSON.stringify(redactUrl(url))} looks like it carries a user name or password; credentials come from the environment only`, url);
  }
  // Bucket names are 3–63 of [a-z0-9.-]; older buckets may hold "_" and capitals.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new StoreSpecError(`S3 store: ${JSON.stringify(bucket)} in ${redactUrl(url)} is not a bucket name; expected letters, digits, ".", "-" or "_"`, url);
  }
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket, prefix };
}

function checkS3Options(url: string, options: StoreOptions): StoreOptions {
  const { endpoint, region, forcePathStyle } = options;
  if (endpoint !== undefined) {
    if (typeof endpoint !== "string" || !URL.canParse(endpoint)) {
      throw new StoreSpecError(`S3 store ${redactUrl(url)}: option endpoint must be a URL such as http://127.0.0.1:9000, got ${JSON.stringify(redactUrl(String(endpoint)))}`, url, "endpoint");
    }
    const u = new URL(endpoint);
    if (u.username !== "" || u.password !== "") {
      throw new StoreSpecError(`S3 store ${redactUrl(url)}: option endpoint ${redactUrl(endpoint)} carries a user name or password; credentials come from the environment only`, url, "endpoint");
    }
  }
  if (region !== undefined && (typeof region !== "string" || !/^[a-z0-9-]+$/.test(region))) {
    throw new StoreSpecError(`S3 store ${redactUrl(url)}: option region must be a region name such as eu-west-1, got ${JSON.stringify(region)}`, url, "region");
  }
  if (forcePathStyle !== undefined && typeof forcePathStyle !== "boolean") {
    throw new StoreSpecError(`S3 store ${redactUrl(url)}: option forcePathStyle must be true or false, got ${JSON.stringify(forcePathStyle)}`, url, "forcePathStyle");
  }
  return options;
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function isMissingKey(error: unknown): boolean {
  const name = (error as SdkErrorShape | null)?.name;
  return name === "NoSuchKey" || name === "NotFound";
}

// S3 and S3-compatible servers use these codes for "slow down and try again".
const TRANSIENT_S3_CODES = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "RequestThrottled",
  "RequestTimeout",
  "RequestTimeoutException",
  "InternalError",
  "ServiceUnavailable",
  "TimeoutError",
]);

const GENERIC_NAMES = new Set(["Error", "Unknown", "UnknownError"]);

const HINTS: Record<string, string> = {
  AccessDenied:
    " (S3 also answers AccessDenied for a missing key when the credentials may not list the bucket)",
  CredentialsProviderError:
    " (credentials come from this process's environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or task role)",
};

/** A tagged error from an SDK failure, built from non-secret parts only. */
export function s3Error(operation: string, bucket: string, key: string, error: unknown): S3StoreError {
  const e = (typeof error === "object" && error !== null ? error : {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const netCode = networkErrorCode(error);
  // A body the SDK could not parse (a proxy's HTML page) leaves the bare name "Error": no code then.
  const named = e.name !== undefined && !GENERIC_NAMES.has(e.name) ? e.name : undefined;
  const code = e.$fault !== undefined ? named : (netCode ?? named);
  const transient =
    e.$retryable !== undefined ||
    e.$fault === "server" ||
    (status !== undefined && isTransientStatus(status)) ||
    (code !== undefined && TRANSIENT_S3_CODES.has(code)) ||
    isTransientNetworkCode(netCode);
  // The first line only: the SDK appends multi-line advice that belongs to its own API, not ours.
  const said = redactText(String(typeof e.message === "string" ? e.message : error).split("\n")[0] ?? "");
  const what = [code, status !== undefined ? `HTTP ${status}` : undefined].filter(Boolean);
  const message =
    `S3 ${operation} s3://${bucket}/${key} failed: ` +
    `${what.length === 2 ? `${what[0]} (${what[1]})` : (what[0] ?? "error")}: ${said}${HINTS[code ?? ""] ?? ""}`;
  return new S3StoreError(message, { operation, bucket, key, code, status, requestId: e.$metadata?.requestId }, transient, { cause: sdkCause(error) });
}

// Fields the SDK copies from an S3 error body onto its error that repeat the
// request's credentials: SignatureDoesNotMatch carries the canonical request
// (session token included) and the access key id, InvalidAccessKeyId the
// key id. Dropped by name, because credentials from a profile file or a role
// are not in the environment for the scrub to find. `$response` holds the
// raw HTTP response, headers and body.
const CREDENTIAL_ECHOES = new Set([
  "AWSAccessKeyId",
  "StringToSign",
  "StringToSignBytes",
  "CanonicalRequest",
  "CanonicalRequestBytes",
  "SignatureProvided",
  "$response",
]);

/**
 * The SDK error as a cause: its class, message, code, `$fault` and
 * `$metadata` (HTTP status, request ids) kept, credential echoes dropped
 * and every string scrubbed (ParazarrError scrubs again, harmlessly).
 */
function sdkCause(error: unknown): unknown {
  return scrubError(error, { drop: CREDENTIAL_ECHOES });
}
