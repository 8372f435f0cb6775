/**
 * `@parazarr/remote`: what every remote backend (ssh, batch, later slurm)
 * shares, so none copies it. Code shipping: bundles named by content hash
 * (`bundleCore`, `bundleEntry`, `TaskBundler`), uploaded once per
 * destination through a `CodeStore`, with batches' module URLs rewritten
 * (`Shipper`). The agent runtime: `runAgent` over any `AgentTransport`,
 * `serveAgentThread` on its threads (also at `@parazarr/remote/agent`,
 * for entries that must not pull in esbuild).
 */
export {
  ModuleBundleError,
  TaskBundler,
  bundleCore,
  bundleEntry,
  isCoreModule,
  isModuleBundleError,
  type Bundle,
} from "./bundle.js";
export { Shipper, type CodeStore } from "./shipper.js";
export * from "./agent/index.js";
