/** `@parazarr/backend-slurm`: the `slurm({ partition, workers, stagingDir })` plan. */
export { slurm } from "./slurm.js";
export type { SlurmOptions } from "./options.js";
export {
  SlurmCommandError,
  SlurmPendingError,
  SlurmSubmitError,
  isSlurmCommandError,
  isSlurmPendingError,
  isSlurmSubmitError,
} from "./errors.js";
export { fromPlanString } from "./plan-string.js";
// A task module that cannot be shipped; the class lives in @parazarr/remote, shared by every remote backend.
export { ModuleBundleError } from "@parazarr/remote";
