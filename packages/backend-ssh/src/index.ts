/** `@parazarr/backend-ssh`: the `ssh({ hosts })` plan. */
export { ssh } from "./ssh.js";
export type { SshOptions } from "./options.js";
export {
  SshHostError,
  SshHostsUnavailableError,
  isSshHostError,
  isSshHostsUnavailableError,
  type HostStage,
} from "./errors.js";
// A task module that cannot be shipped; the class lives in @parazarr/remote, shared by every remote backend.
export { ModuleBundleError } from "@parazarr/remote";
export { fromPlanString } from "./plan-string.js";
