/**
 * Exclusive create and listing on S3, for claims and `validate`.
 *
 * Exclusive create is PutObject with `If-None-Match: *`: S3 (since August
 * 2024) answers 412 PreconditionFailed when the key exists, and 409
 * ConditionalRequestConflict while another conditional write of the key is
 * in flight (then we try again: one of the two will win).
 *
 * Not every S3-protocol server honours the header: s3rver 3.7.1 (our test
 * server) and older MinIO/Ceph releases ignore it and overwrite. So each
 * store probes once: it creates a random probe key twice; a second 200
 * means the header is ignored. Such a store falls back to
 * get-then-put-then-read-back: a writer that finds the key absent puts its
 * value tagged with a random token (object metadata), waits
 * FALLBACK_SETTLE_MS, and has created the key only if its token is still
 * there. The gap, documented in the README: two writers whose puts land more
 * than FALLBACK_SETTLE_MS apart, with both reads of "absent" before the
 * first put, both believe they won. A one-time warning says so.
 */
import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { S3Sdk, s3Error as S3ErrorFn } from "./s3.js";

const TOKEN_FIELD = "parazarr-create";
const CONFLICT_RETRIES = 10;
export const FALLBACK_SETTLE_MS = 1000;
const warned = new Set<string>();

type Mode = "conditional" | "fallback";

interface ExclusiveCreate {
  create(objectKey: string, value: Uint8Array): Promise<boolean>;
}

export function exclusiveCreate(sdk: S3Sdk, client: S3Client, bucket: string, probePrefix: string, s3Error: typeof S3ErrorFn): ExclusiveCreate {
  let mode: Promise<Mode> | undefined;
  const conditionalPut = async (Key: string, Body: Uint8Array, token: string): Promise<boolean> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key, Body, IfNoneMatch: "*", Metadata: { [TOKEN_FIELD]: token } }));
        return true;
      } catch (error) {
        const status = statusOf(error);
        if (status === 412) return false;
        if (status === 409 && attempt < CONFLICT_RETRIES) {
          await delay(50 * (attempt + 1));
          continue;
        }
        throw s3Error("PutObject", bucket, Key, error);
      }
    }
  };
  const probe = async (): Promise<Mode> => {
    const Key = `${probePrefix}${randomBytes(12).toString("hex")}`;
    const first = await conditionalPut(Key, new Uint8Array(0), "probe");
    const second = first && (await conditionalPut(Key, new Uint8Array(0), "probe"));
    await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key })).catch(() => undefined);
    if (!second) return "conditional";
    if (!warned.has(bucket)) {
      warned.add(bucket);
      process.emitWarning(
        `the S3 server of bucket ${bucket} ignores conditional writes (If-None-Match: *); exclusive create (claims of independent writers) ` +
          `falls back to put and read-back, which two writers racing more than ${FALLBACK_SETTLE_MS} ms apart can both win`,
        { code: "PARAZARR_S3_NO_CONDITIONAL_WRITES" },
      );
    }
    return "fallback";
  };
  const fallbackCreate = async (Key: string, Body: Uint8Array, token: string): Promise<boolean> => {
    if ((await tokenOf(Key)) !== undefined) return false;
    await conditionalPut(Key, Body, token);
    await delay(FALLBACK_SETTLE_MS);
    return (await tokenOf(Key)) === token;
  };
  const tokenOf = async (Key: string): Promise<string | undefined> => {
    try {
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key }));
      return head.Metadata?.[TOKEN_FIELD] ?? "";
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw s3Error("HeadObject", bucket, Key, error);
    }
  };
  return {
    async create(Key, value) {
      mode ??= probe();
      mode.catch(() => (mode = undefined));
      const token = randomBytes(16).toString("hex");
      return (await mode) === "conditional" ? conditionalPut(Key, value, token) : fallbackCreate(Key, value, token);
    },
  };
}

// Bounded pages: S3 returns at most 1000 names per call; one page is in memory at a time.
const PAGE = 1000;

/** The names directly under `prefix` (an object key prefix ending in "/" or ""), folders with a trailing "/". */
export async function* listNames(sdk: S3Sdk, client: S3Client, bucket: string, prefix: string, s3Error: typeof S3ErrorFn): AsyncGenerator<string> {
  let ContinuationToken: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", MaxKeys: PAGE, ContinuationToken }));
    } catch (error) {
      throw s3Error("ListObjectsV2", bucket, prefix, error);
    }
    for (const folder of page.CommonPrefixes ?? []) if (folder.Prefix !== undefined) yield folder.Prefix.slice(prefix.length);
    for (const object of page.Contents ?? []) if (object.Key !== undefined && object.Key !== prefix) yield object.Key.slice(prefix.length);
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));
