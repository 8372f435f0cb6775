/** `@parazarr/cli`: the `parazarr` command (bin.js), and its entry for embedding and tests. */
export { main, redacting } from "./main.js";
export { EXIT, type ExitCode } from "./exit-codes.js";
export { UsageError, isUsageError } from "./errors.js";
export type { Io, Output } from "./context.js";
