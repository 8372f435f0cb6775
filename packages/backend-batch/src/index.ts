/** `@parazarr/backend-batch`: the `batch({ jobQueue, staging })` plan. */
export { batch } from "./batch.js";
export type { BatchOptions, JobDefinitionSpec } from "./options.js";
export {
  BatchCapacityError,
  BatchJobError,
  BatchStagingError,
  isBatchCapacityError,
  isBatchJobError,
  isBatchStagingError,
} from "./errors.js";
export { fromPlanString } from "./plan-string.js";
