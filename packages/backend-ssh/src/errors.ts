/**
 * Errors the ssh plan raises on purpose. Each carries a `_tag` (guards match
 * on it, not on `instanceof`) and the host it concerns. None ever holds a
 * private key or passphrase: only paths and fingerprints. Host labels hold
 * no password (host-address.ts refuses them).
 */

import { redactText, scrubError } from "@parazarr/core/backend";

/** Where starting (or keeping) a host failed. */
export type HostStage = "connect" | "host-key" | "auth" | "upload" | "agent";

/** One host could not be used. */
export class SshHostError extends Error {
  readonly _tag = "SshHostError" as const;
  constructor(
    readonly host: string,
    readonly stage: HostStage,
    message: string,
    readonly fingerprint?: string,
    options?: { cause?: unknown },
  ) {
    // ssh2's and the remote agent's messages are free text: scrubbed like core's own errors.
    super(redactText(`ssh host ${host}: ${message}`), options && { cause: scrubError(options.cause) });
    this.name = "SshHostError";
  }
}

/** No host of the plan could be started (or, with requireAllHosts, one could not). */
export class SshHostsUnavailableError extends Error {
  readonly _tag = "SshHostsUnavailableError" as const;
  constructor(
    readonly failures: readonly SshHostError[],
    total: number,
    requireAll: boolean,
  ) {
    const head = requireAll
      ? `ssh: ${failures.length} of ${total} hosts could not be started (requireAllHosts is set)`
      : total === 1
        ? "ssh: the plan's only host could not be started"
        : `ssh: none of the ${total} hosts could be started`;
    super(`${head}:\n${failures.map((f) => `  - ${f.message}`).join("\n")}`);
    this.name = "SshHostsUnavailableError";
  }
}

const hasTag = (value: unknown, tag: string): boolean =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === tag;

export const isSshHostError = (e: unknown): e is SshHostError => hasTag(e, "SshHostError");
export const isSshHostsUnavailableError = (e: unknown): e is SshHostsUnavailableError =>
  hasTag(e, "SshHostsUnavailableError");
