/**
 * The few S3 calls the mailbox, the code store and the logs need, on one
 * client per side. Both sides use the AWS default chain (the caller's
 * profile or role; a child's job role): nothing here ever takes a
 * credential.
 *
 * Checksums are WHEN_REQUIRED: with the SDK's default (3.1169) a PutObject
 * of a Buffer is fine on S3, but s3rver 3.7.1 stores the aws-chunked
 * framing of a streamed body as the object; WHEN_REQUIRED sends plain
 * bodies everywhere, and a message is small and checked by its own framing.
 */
import type { S3Client } from "@aws-sdk/client-s3";

export type S3Sdk = typeof import("@aws-sdk/client-s3");

export interface S3Settings {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly forcePathStyle: boolean | undefined;
}

export interface ObjectStore {
  readonly bucket: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | undefined>;
  /** Whether an object is there, and its size. */
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  /** Every key under `prefix` (all pages). */
  list(prefix: string): Promise<string[]>;
  /** How many requests this store sent (for the benchmark's S3 cost figures). */
  readonly requests: number;
  destroy(): void;
}

export async function openObjectStore(bucket: string, settings: S3Settings): Promise<ObjectStore> {
  const sdk: S3Sdk = await import("@aws-sdk/client-s3");
  const client: S3Client = new sdk.S3Client({
    ...(settings.region !== undefined && { region: settings.region }),
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
    ...(settings.forcePathStyle !== undefined && { forcePathStyle: settings.forcePathStyle }),
    followRegionRedirects: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 60_000, throwOnRequestTimeout: true },
  });
  let requests = 0;
  // One untyped door to client.send: the SDK's per-command overloads do not survive a generic helper.
  const untypedSend = client.send.bind(client) as unknown as (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  const send = <T>(command: unknown, signal?: AbortSignal): Promise<T> => {
    requests++;
    return untypedSend(command, signal && { abortSignal: signal }) as Promise<T>;
  };
  return {
    bucket,
    get requests() {
      return requests;
    },
    async put(key, body) {
      await send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async get(key, signal) {
      try {
        const out = await send<{ Body?: { transformToByteArray(): Promise<Uint8Array> } }>(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), signal);
        return out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async size(key) {
      try {
        const head = await send<{ ContentLength?: number }>(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.ContentLength ?? 0;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async delete(key) {
      await send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async list(prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        // s3rver 3.7.1 answers HTTP 500 to MaxKeys below the object count: take S3's full page of 1000.
        const page = await send<{ Contents?: Array<{ Key?: string }>; IsTruncated?: boolean; NextContinuationToken?: string }>(
          new sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return keys;
    },
    destroy: () => client.destroy(),
  };
}

function isMissing(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}

/** `prefix` + "/" + `path`, for a prefix that may be "". */
export const joinKey = (prefix: string, path: string): string => (prefix === "" ? path : `${prefix}/${path}`);
