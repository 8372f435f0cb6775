/**
 * `batch(options)`: the options type and its validation, in one place, with
 * messages that say which option, what was given and what is allowed.
 * Validation is cheap and talks to no service: a plan is cheap to create.
 * The job definition, the queue and the staging bucket are checked by AWS
 * when the plan starts.
 */
import { isAbsolute, resolve } from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import { PlanError, checkCount, describeValue } from "@parazarr/core/backend";

/** A job definition parazarr registers (once, named by a hash of this) when none is named. */
export interface JobDefinitionSpec {
  /** Any image with Node.js ≥ 20 on its PATH as `node`, e.g. public.ecr.aws/docker/library/node:20-slim. */
  readonly image: string;
  readonly vcpus?: number;
  /** MiB. */
  readonly memory?: number;
  /** The role the children run as: it needs S3 access to the staging prefix (and to the data). */
  readonly jobRoleArn?: string;
  /** attemptDurationSeconds, at least 60 (Batch's own minimum). */
  readonly timeout?: number;
  /** Extra environment of every child: never put credentials here (Batch shows it to anyone who may describe jobs). */
  readonly environment?: Readonly<Record<string, string>>;
}

export interface BatchOptions {
  /** The job queue the array jobs go to (name or ARN). */
  readonly jobQueue: string;
  /** `s3://bucket/prefix`: code, messages and logs go under it. */
  readonly staging: string;
  /** Default: the AWS default chain (AWS_REGION, profile). */
  readonly region?: string;
  /** Array children, each one long-lived worker (default 1; more than 10,000 become several arrays). */
  readonly workers?: number;
  /** A registered job definition (`name`, `name:revision` or ARN), or one to register. Default: node:20-slim, 1 vCPU, 2 GiB. */
  readonly jobDefinition?: string | JobDefinitionSpec;
  /** A child with nothing to do for this long stops by itself (default 10 min). */
  readonly idleTimeoutMs?: number;
  /** A child still RUNNABLE (no capacity) this long after submit fails the plan (default 15 min). */
  readonly runnableTimeoutMs?: number;
  /** Batch's own attempts per child (1–10, default 1): core already retries tasks. */
  readonly attempts?: number;
  /** How often a mailbox that expects a message is polled, at most (default 200 ms). */
  readonly pollMs?: number;
  /** Where S3 is, for S3-compatible servers and tests (not secret; sent to the children too). */
  readonly s3?: { readonly endpoint?: string; readonly forcePathStyle?: boolean };
  /** The Batch API endpoint (tests; default: the SDK's, or AWS_ENDPOINT_URL_BATCH). */
  readonly endpoint?: string;
  /** Children per array job (default and maximum 10,000, Batch's limit); smaller only to test the split. */
  readonly maxArraySize?: number;
  /**
   * Absolute paths every child mounts at the same place with the same files
   * (an EFS volume in the job definition). Zarr calls refuse a `file://`
   * store outside them. Default none: use s3:// stores.
   */
  readonly sharedFilesystem?: readonly string[];
}

export interface ResolvedOptions {
  readonly jobQueue: string;
  readonly staging: { readonly bucket: string; readonly prefix: string; readonly url: string };
  readonly region: string | undefined;
  readonly workers: number;
  /** Threads in each child; 0 means one per vCPU the child sees. From an inner plan (`[batch(…), threads(4)]`). */
  readonly threadsPerChild: number;
  /** From an inner `threads(n, { resourceLimits })`: every child thread gets them. */
  readonly threadResourceLimits: ResourceLimits | undefined;
  readonly jobDefinition: string | Required<Pick<JobDefinitionSpec, "image" | "vcpus" | "memory">> & JobDefinitionSpec;
  readonly idleTimeoutMs: number;
  readonly runnableTimeoutMs: number;
  readonly attempts: number;
  readonly pollMs: number;
  readonly s3: { readonly endpoint: string | undefined; readonly forcePathStyle: boolean | undefined };
  readonly endpoint: string | undefined;
  readonly maxArraySize: number;
  readonly sharedFilesystem: readonly string[];
}

export const WHERE = "batch(options)";
/** Batch's limit on one array job's size. */
export const MAX_ARRAY_SIZE = 10_000;
/** Far above any queue's capacity; bounds what one plan can submit by mistake. */
export const MAX_WORKERS = 100_000;
export const DEFAULT_IMAGE = "public.ecr.aws/docker/library/node:20-slim";

const KNOWN = [
  "jobQueue", "staging", "region", "workers", "jobDefinition", "idleTimeoutMs", "runnableTimeoutMs",
  "attempts", "pollMs", "s3", "endpoint", "maxArraySize", "sharedFilesystem",
];
const KNOWN_DEFINITION = ["image", "vcpus", "memory", "jobRoleArn", "timeout", "environment"];

function fail(option: string, allowed: string, value: unknown): never {
  throw new PlanError(`${WHERE}: ${option} must be ${allowed}, got ${describeValue(value)}`, option, value);
}

function nonEmpty(option: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") fail(option, "a non-empty string", value);
  return value;
}

function optionalUrl(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !URL.canParse(value)) fail(option, "a URL such as http://127.0.0.1:9000", value);
  const url = new URL(value);
  if (url.username !== "" || url.password !== "") {
    // Not echoed: it carries a secret.
    throw new PlanError(`${WHERE}: ${option} carries a user name or password; credentials come from the AWS default chain only`, option);
  }
  return value;
}

/** `s3://bucket/prefix`, the prefix without leading or trailing "/". */
export function parseStaging(value: unknown): ResolvedOptions["staging"] {
  const match = typeof value === "string" ? /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value) : null;
  if (match === null || match[1] === undefined) fail("staging", "an S3 URL such as s3://my-bucket/parazarr (a bucket name of a-z, 0-9, '.', '-')", value);
  const prefix = (match[2] ?? "").replace(/^\/+|\/+$/g, "");
  return { bucket: match[1], prefix, url: `s3://${match[1]}${prefix === "" ? "" : `/${prefix}`}` };
}

function resolveDefinition(value: unknown): ResolvedOptions["jobDefinition"] {
  if (value === undefined) return { image: DEFAULT_IMAGE, vcpus: 1, memory: 2048 };
  if (typeof value === "string") return nonEmpty("jobDefinition", value);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("jobDefinition", 'a job definition name ("parazarr-node:3"), or { image, vcpus, memory, jobRoleArn, timeout, environment }', value);
  }
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!KNOWN_DEFINITION.includes(key)) {
      throw new PlanError(`${WHERE}: unknown jobDefinition option ${JSON.stringify(key)}; known: ${KNOWN_DEFINITION.join(", ")}`, `jobDefinition.${key}`);
    }
  }
  const image = nonEmpty("jobDefinition.image", spec.image);
  const vcpus = spec.vcpus === undefined ? 1 : checkCount(WHERE, "jobDefinition.vcpus", spec.vcpus, 1);
  const memory = spec.memory === undefined ? 2048 : checkCount(WHERE, "jobDefinition.memory", spec.memory, 4);
  const jobRoleArn = spec.jobRoleArn === undefined ? undefined : nonEmpty("jobDefinition.jobRoleArn", spec.jobRoleArn);
  const timeout = spec.timeout === undefined ? undefined : checkCount(WHERE, "jobDefinition.timeout", spec.timeout, 60);
  const environment = resolveEnvironment(spec.environment);
  return { image, vcpus, memory, ...(jobRoleArn && { jobRoleArn }), ...(timeout && { timeout }), ...(environment && { environment }) };
}

function resolveEnvironment(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("jobDefinition.environment", "an object of string values", value);
  for (const [name, text] of Object.entries(value)) {
    if (typeof text !== "string") fail(`jobDefinition.environment.${name}`, "a string", text);
    if (name.startsWith("PARAZARR_") || name.startsWith("AWS_BATCH_")) {
      throw new PlanError(`${WHERE}: jobDefinition.environment.${name}: names starting with PARAZARR_ or AWS_BATCH_ are set by parazarr and Batch`, `jobDefinition.environment.${name}`);
    }
  }
  return value as Record<string, string>;
}

function optionalMs(options: Record<string, unknown>, option: string, fallback: number, min: number): number {
  const value = options[option];
  return value === undefined ? fallback : checkCount(WHERE, option, value, min);
}

function resolveS3(value: unknown): ResolvedOptions["s3"] {
  if (value === undefined) return { endpoint: undefined, forcePathStyle: undefined };
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail("s3", "an object { endpoint?, forcePathStyle? }", value);
  const { endpoint, forcePathStyle, ...others } = value as Record<string, unknown>;
  const unknown = Object.keys(others);
  if (unknown.length > 0) throw new PlanError(`${WHERE}: unknown s3 option ${JSON.stringify(unknown[0])}; known: endpoint, forcePathStyle`, `s3.${unknown[0]}`);
  if (forcePathStyle !== undefined && typeof forcePathStyle !== "boolean") fail("s3.forcePathStyle", "true or false", forcePathStyle);
  return { endpoint: optionalUrl("s3.endpoint", endpoint), forcePathStyle };
}

/** Validates every option once, when the plan is made. */
export function resolveOptions(options: BatchOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) fail("options", "an object with at least { jobQueue, staging }", options);
  const given = options as unknown as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!KNOWN.includes(key)) throw new PlanError(`${WHERE}: unknown option ${JSON.stringify(key)}; known: ${KNOWN.join(", ")}`, key);
  }
  const region = options.region;
  if (region !== undefined && (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))) {
    fail("region", "a region name such as eu-west-1", region);
  }
  const workers = options.workers === undefined ? 1 : checkCount(WHERE, "workers", options.workers, 1);
  if (workers > MAX_WORKERS) fail("workers", `at most ${MAX_WORKERS}`, workers);
  const attempts = options.attempts === undefined ? 1 : checkCount(WHERE, "attempts", options.attempts, 1);
  if (attempts > 10) fail("attempts", "a whole number from 1 to 10 (Batch's retryStrategy limit)", attempts);
  const maxArraySize = options.maxArraySize === undefined ? MAX_ARRAY_SIZE : checkCount(WHERE, "maxArraySize", options.maxArraySize, 2);
  if (maxArraySize > MAX_ARRAY_SIZE) fail("maxArraySize", `a whole number from 2 to ${MAX_ARRAY_SIZE} (Batch's array size limit)`, maxArraySize);
  return {
    jobQueue: nonEmpty("jobQueue", options.jobQueue),
    staging: parseStaging(options.staging),
    region,
    workers,
    threadsPerChild: 0,
    threadResourceLimits: undefined,
    jobDefinition: resolveDefinition(options.jobDefinition),
    idleTimeoutMs: optionalMs(given, "idleTimeoutMs", 10 * 60_000, 1_000),
    runnableTimeoutMs: optionalMs(given, "runnableTimeoutMs", 15 * 60_000, 1),
    attempts,
    pollMs: optionalMs(given, "pollMs", 200, 10),
    s3: resolveS3(options.s3),
    endpoint: optionalUrl("endpoint", options.endpoint),
    maxArraySize,
    sharedFilesystem: resolveSharedFilesystem(options.sharedFilesystem),
  };
}

function resolveSharedFilesystem(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === "string" && isAbsolute(p))) {
    fail("sharedFilesystem", 'a list of absolute paths, such as ["/mnt/efs"]', value);
  }
  return value.map((p: string) => resolve(p));
}
