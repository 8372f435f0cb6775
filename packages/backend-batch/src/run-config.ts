/**
 * One run of a batch plan (one start) and where its objects live in S3:
 *
 *     <staging>/code/<hash>/<name>           bundles, shared by every run (content-addressed)
 *     <staging>/runs/<runId>/run.json        this file: written before any job is submitted
 *     <staging>/runs/<runId>/hello/<child>/ready         a child's `ready`, found by one listing
 *     <staging>/runs/<runId>/to/<child>/<seq>/message    coordinator → child
 *     <staging>/runs/<runId>/from/<child>/<seq>/message  child → coordinator
 *
 * (A folder per object: see seqKey for the s3rver pitfall it avoids.)
 *     <staging>/runs/<runId>/logs/<child>    the tail of a child's output, written as it exits
 *
 * The job's environment carries only `PARAZARR_RUN=s3://<bucket>/<staging>/runs/<runId>/`
 * (and AWS_ENDPOINT_URL_S3 when S3 is elsewhere): everything else is read
 * from run.json, which holds no secret (children use their job role).
 */
import { isMatching, P } from "ts-pattern";
import type { ResourceLimits } from "node:worker_threads";
import { joinKey } from "./s3.js";

export const RUN_CONFIG_VERSION = 1;

export interface RunConfig {
  readonly version: typeof RUN_CONFIG_VERSION;
  readonly runId: string;
  readonly bucket: string;
  /** Key prefix of this run, without trailing "/". */
  readonly runPrefix: string;
  /** s3:// URLs of the child entry and of the core it imports. */
  readonly code: { readonly child: string; readonly core: string };
  /** Worker threads per child; 0: one per vCPU the child sees. */
  readonly threads: number;
  readonly resourceLimits?: ResourceLimits | undefined;
  readonly pollMs: number;
  readonly idlePollMs: number;
  readonly idleTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly s3: { readonly endpoint?: string | undefined; readonly forcePathStyle?: boolean | undefined; readonly region?: string | undefined };
}

export const isRunConfig = isMatching({
  version: RUN_CONFIG_VERSION,
  runId: P.string,
  bucket: P.string,
  runPrefix: P.string,
  code: { child: P.string, core: P.string },
  threads: P.number,
  pollMs: P.number,
  idlePollMs: P.number,
  idleTimeoutMs: P.number,
  heartbeatMs: P.number,
  s3: {},
});

export const runPrefix = (stagingPrefix: string, runId: string): string => joinKey(stagingPrefix, `runs/${runId}`);
export const runUrl = (bucket: string, prefix: string): string => `s3://${bucket}/${prefix}/`;

export const configKey = (run: string) => `${run}/run.json`;
export const helloDir = (run: string) => `${run}/hello`;
export const helloKey = (run: string, child: string) => `${run}/hello/${child}/ready`;
export const inboxDir = (run: string, child: string) => `${run}/to/${child}`;
export const outboxDir = (run: string, child: string) => `${run}/from/${child}`;
export const logKey = (run: string, child: string) => `${run}/logs/${child}`;

/** `s3://bucket/prefix/runs/<id>/` → bucket and run prefix. */
export function parseRunUrl(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(url);
  if (match === null || match[1] === undefined || match[2] === undefined) throw new Error(`PARAZARR_RUN is not an s3://bucket/prefix/ URL: ${JSON.stringify(url)}`);
  return { bucket: match[1], prefix: match[2] };
}

/**
 * A child's name in the mailbox: its array job, its index and its attempt.
 * A retried child (Batch's attempts) is a new child: its predecessor's
 * mailbox position, threads and batches are gone with it.
 */
export function childKey(parentJobId: string, index: number, attempt: number): string {
  return `${parentJobId}-${index}-${attempt}`;
}
