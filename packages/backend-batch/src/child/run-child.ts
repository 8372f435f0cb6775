/**
 * A Batch child from start to exit: find its run (PARAZARR_RUN), read
 * run.json with its job role, run the shared agent over the S3 mailbox,
 * and on the way out write the tail of its output to `<run>/logs/<child>`
 * so that the coordinator's error can quote it (CloudWatch may not have the
 * stream yet, or at all).
 */
import { runAgent } from "@parazarr/remote/agent";
import { openObjectStore, type ObjectStore } from "../s3.js";
import { childKey, configKey, isRunConfig, logKey, parseRunUrl, type RunConfig } from "../run-config.js";
import { localizeModule } from "./localize.js";
import { captureOutput } from "./output-tail.js";
import { ChildTransport } from "./transport.js";

export interface ChildIdentity {
  readonly key: string;
  readonly label: string;
}

/** Who this child is, from what Batch sets: `<parent>:<index>` ids, attempts from 1. */
export function childIdentity(env: NodeJS.ProcessEnv): ChildIdentity {
  const jobId = env.AWS_BATCH_JOB_ID;
  if (jobId === undefined || jobId === "") throw new Error("AWS_BATCH_JOB_ID is not set: this runs as an AWS Batch job only");
  const parent = jobId.split(":")[0] as string;
  const index = Number(env.AWS_BATCH_JOB_ARRAY_INDEX ?? 0);
  const attempt = Number(env.AWS_BATCH_JOB_ATTEMPT ?? 1);
  return { key: childKey(parent, index, attempt), label: `batch child ${index} of ${parent}` };
}

export async function runChild(entry: URL): Promise<void> {
  const output = captureOutput();
  let store: ObjectStore | undefined;
  let logAt: string | undefined;
  try {
    const { bucket, prefix } = parseRunUrl(process.env.PARAZARR_RUN ?? "");
    const endpoint = process.env.AWS_ENDPOINT_URL_S3 || undefined;
    store = await openObjectStore(bucket, {
      // No region in the container's environment: any one will do, S3 redirects to the bucket's (followRegionRedirects).
      region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1",
      endpoint,
      // A custom endpoint (an S3-compatible server) is addressed by path: no bucket DNS names there.
      forcePathStyle: endpoint !== undefined ? true : undefined,
    });
    const config = await readConfig(store, prefix);
    const identity = childIdentity(process.env);
    logAt = logKey(config.runPrefix, identity.key);
    const transport = new ChildTransport(store, config, identity.key, (what, error) => {
      console.error(`parazarr child: ${what} failed: ${(error as Error)?.message ?? String(error)}`);
    });
    const mailbox = store;
    await runAgent(transport, {
      entry,
      workers: config.threads,
      name: identity.label,
      resourceLimits: config.resourceLimits,
      localizeModule: (url) => localizeModule(mailbox, url),
    });
    await transport.flush();
    console.error(`parazarr child: stopped: ${transport.closedBecause ?? "the agent stopped"}`);
    await writeLog(store, logAt, output.text());
    process.exit(0);
  } catch (error) {
    console.error(`parazarr child: ${(error as Error)?.stack ?? String(error)}`);
    if (store !== undefined && logAt !== undefined) await writeLog(store, logAt, output.text());
    process.exit(1);
  }
}

async function readConfig(store: ObjectStore, prefix: string): Promise<RunConfig> {
  const body = await store.get(configKey(prefix));
  if (body === undefined) throw new Error(`no run configuration at s3://${store.bucket}/${configKey(prefix)}: the run was closed, or this child is from another run`);
  const config: unknown = JSON.parse(Buffer.from(body).toString("utf8"));
  if (!isRunConfig(config)) throw new Error(`s3://${store.bucket}/${configKey(prefix)} is not a run configuration this child understands`);
  return config;
}

async function writeLog(store: ObjectStore, key: string, text: string): Promise<void> {
  await store.put(key, text).catch(() => undefined);
}
