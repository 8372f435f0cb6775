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
export { ModuleBundleError } from "./bundle.js";
export { fromPlanString } from "./plan-string.js";
