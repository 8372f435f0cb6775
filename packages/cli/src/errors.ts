/** The CLI's own refusals, tagged like core's errors (errors.ts there). */
import { ParazarrError } from "@parazarr/core";

/** A command line, option or config file the CLI cannot use; `option` names it. Exit code 2. */
export class UsageError extends ParazarrError {
  readonly _tag = "UsageError" as const;
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export const isUsageError = (e: unknown): e is UsageError =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "UsageError";
