/**
 * How the coordinator configures a host's agent: one argv word, base64url
 * JSON (no shell quoting pitfalls). Imported by both sides.
 */
import { P, isMatching } from "ts-pattern";
import type { ResourceLimits } from "node:worker_threads";

export interface AgentConfig {
  /** Worker threads to run; `0` means one per core of the host. */
  readonly workers: number;
  /** The host as the user named it, for worker names in errors. */
  readonly host: string;
  /** Heap limits of each worker thread (an inner `threads(n, { resourceLimits })`). */
  readonly resourceLimits?: ResourceLimits | undefined;
}

export function encodeAgentConfig(config: AgentConfig): string {
  return Buffer.from(JSON.stringify(config)).toString("base64url");
}

export function decodeAgentConfig(word: string | undefined): AgentConfig {
  const parsed: unknown = JSON.parse(Buffer.from(word ?? "", "base64url").toString() || "null");
  if (!isMatching({ workers: P.number, host: P.string }, parsed)) {
    throw new Error(`agent: expected its configuration as the first argument, got ${JSON.stringify(word)}`);
  }
  return parsed;
}
