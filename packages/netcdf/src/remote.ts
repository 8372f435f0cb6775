/**
 * s3:// and http(s):// sources are downloaded to a temporary file, streamed
 * to disk (never whole in memory), because both readers need a file: h5wasm
 * opens a path and the classic reader reads by offset.
 *
 * S3 uses this worker's own credentials, from the AWS SDK's default chain
 * (environment, profile, instance or task role): a SourceSpec is only a URL
 * and a format, so nothing else travels with it. The endpoint, for
 * S3-compatible servers, comes the same way: the SDK reads
 * AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and AWS_REGION from each
 * worker's environment (workers inherit the caller's); an endpoint whose
 * host is an IP address is addressed path-style by the SDK itself. Set
 * PARAZARR_S3_FORCE_PATH_STYLE=true for a named host that needs path-style.
 */
import { open } from "node:fs/promises";
import { join } from "node:path";
import type { SourceIdentity } from "@parazarr/core";
import { NetcdfNotFoundError, NetcdfSourceError } from "./errors.js";
import { temporaryDirectory } from "./temporaries.js";

export interface Downloaded {
  readonly path: string;
  readonly identity: SourceIdentity;
  readonly remove: () => Promise<void>;
}

type S3Sdk = typeof import("@aws-sdk/client-s3");
let sdk: Promise<S3Sdk> | undefined;
let client: Promise<InstanceType<S3Sdk["S3Client"]>> | undefined;

function s3Client(url: string): Promise<InstanceType<S3Sdk["S3Client"]>> {
  sdk ??= import("@aws-sdk/client-s3").catch((cause: unknown) => {
    sdk = undefined;
    throw new NetcdfSourceError(url, "s3:// sources need the AWS SDK in every environment that opens them: npm install @aws-sdk/client-s3", { cause });
  });
  client ??= sdk.then(async (s3) => {
    const region = await new s3.S3Client({}).config.region().catch(() => "us-east-1");
    return new s3.S3Client({
      region,
      followRegionRedirects: true,
      ...(process.env.PARAZARR_S3_FORCE_PATH_STYLE === "true" && { forcePathStyle: true }),
      // s3rver and other stand-ins store aws-chunked framing for checksummed streams; a GET needs no checksum.
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  });
  client.catch(() => (client = undefined));
  return client;
}

export async function downloadS3(url: string, signal?: AbortSignal): Promise<Downloaded> {
  const match = /^s3:\/\/([^/?#]+)\/([^?#]+)$/.exec(url);
  if (match === null) throw new NetcdfSourceError(url, "not an S3 object URL; expected s3://bucket/key.nc");
  const [, Bucket, Key] = match as unknown as [string, string, string];
  const c = await s3Client(url);
  const s3 = await sdk!;
  let out;
  try {
    out = await c.send(new s3.GetObjectCommand({ Bucket, Key: decodeURIComponent(Key) }), { abortSignal: signal });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const name = (error as { name?: string }).name;
    if (name === "NoSuchKey" || name === "NotFound") throw new NetcdfNotFoundError(url, { cause: error });
    throw new NetcdfSourceError(url, `S3 GetObject failed: ${name ?? "error"}: ${String((error as Error).message).split("\n")[0]}`, { cause: error });
  }
  const body = (out.Body ?? []) as AsyncIterable<Uint8Array>;
  const size = await toTemporary(url, body, out.ContentLength, signal);
  return { ...size, identity: { size: size.size, ...(out.ETag !== undefined && { etag: out.ETag }) } };
}

export async function downloadHttp(url: string, signal?: AbortSignal): Promise<Downloaded> {
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ?? null, redirect: "follow" });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new NetcdfSourceError(url, `GET failed: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404 || response.status === 410) throw new NetcdfNotFoundError(url);
  if (!response.ok || response.body === null) throw new NetcdfSourceError(url, `GET answered HTTP ${response.status}`);
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const encoded = response.headers.get("content-encoding");
  const expected = Number.isSafeInteger(length) && (encoded === null || encoded === "identity") ? length : undefined;
  const done = await toTemporary(url, response.body as unknown as AsyncIterable<Uint8Array>, expected, signal);
  const etag = response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
  return { ...done, identity: { size: done.size, ...(etag !== undefined && { etag }) } };
}

/**
 * Writes `body` to a new temporary file, a chunk at a time (awaiting each
 * write is the back-pressure). Iterated by hand rather than piped through
 * Readable.fromWeb: once, in a full-suite run on Node 20, a fetch body whose
 * connection dropped surfaced its "terminated" error as an uncaught
 * exception besides the rejection (not reproduced alone); a for-await
 * delivers every error to this await. A body shorter than announced is an
 * error, never a truncated source.
 */
async function toTemporary(url: string, body: AsyncIterable<Uint8Array>, expected: number | undefined, signal?: AbortSignal): Promise<{ path: string; size: number; remove: () => Promise<void> }> {
  const { dir, remove } = await temporaryDirectory();
  const path = join(dir, "source.nc");
  try {
    const sink = await open(path, "w");
    let size = 0;
    try {
      for await (const chunk of body) {
        signal?.throwIfAborted();
        await sink.write(chunk);
        size += chunk.length;
      }
    } finally {
      await sink.close();
    }
    if (expected !== undefined && size !== expected) throw new NetcdfSourceError(url, `download ended after ${size} of ${expected} bytes`);
    return { path, size, remove };
  } catch (error) {
    await remove();
    if (signal?.aborted) throw signal.reason;
    if ((error as { _tag?: unknown })._tag !== undefined) throw error;
    throw new NetcdfSourceError(url, `download failed: ${(error as Error).message}`, { cause: error });
  }
}
