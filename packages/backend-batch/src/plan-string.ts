/**
 * `--plan batch:queue=Q,staging=s3://bucket/prefix[,workers=N][,region=R][,definition=NAME[:REV]][,attempts=N][,shared=/mnt/efs]`:
 * core's plan-string convention (planFromString). Credentials never appear
 * in a plan string: both sides use the AWS default chain. Endpoints for
 * S3-compatible servers and tests come from AWS_ENDPOINT_URL_BATCH and
 * AWS_ENDPOINT_URL_S3, which the SDK reads itself (and children get the
 * latter passed on).
 */
import { PlanError, planArgs, planCount, type Plan } from "@parazarr/core/backend";
import { batch } from "./batch.js";
import type { BatchOptions } from "./options.js";

const KEYS = ["queue", "staging", "workers", "region", "definition", "attempts", "shared"];

export function fromPlanString(args: string): Plan {
  const where = `batch:${args}`;
  const { values, named } = planArgs("batch", args, KEYS);
  if (values.length > 0) {
    throw new PlanError(`plan "${where}": every argument is key=value (${KEYS.join(", ")}), got ${JSON.stringify(values[0])}`, "plan", args);
  }
  const jobQueue = named.get("queue");
  const staging = named.get("staging");
  if (jobQueue === undefined || staging === undefined) {
    throw new PlanError(`plan "${where}": name the job queue and the staging prefix ("batch:queue=my-queue,staging=s3://my-bucket/parazarr")`, jobQueue === undefined ? "queue" : "staging", args);
  }
  const workers = named.get("workers");
  const attempts = named.get("attempts");
  const options: { -readonly [K in keyof BatchOptions]: BatchOptions[K] } = { jobQueue, staging };
  if (workers !== undefined) options.workers = planCount(where, "workers", workers);
  if (attempts !== undefined) options.attempts = planCount(where, "attempts", attempts);
  const region = named.get("region");
  if (region !== undefined) options.region = region;
  const definition = named.get("definition");
  if (definition !== undefined) options.jobDefinition = definition;
  const shared = named.get("shared");
  if (shared !== undefined) options.sharedFilesystem = [shared];
  return batch(options);
}
