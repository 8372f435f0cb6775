/**
 * How long the suite waits, from what the backend declares. A Batch child
 * pulls its image before its first task (`startupMs`), a cancel reaches a
 * task through a polled mailbox (`cancelLatencyMs`): the suite waits that
 * much longer, and no longer. A fast local plan declares neither, so its
 * waits are the suite's historical numbers, not a millisecond looser.
 */
import type { Capabilities } from "../backend.js";

export interface Waits {
  /** A worker starts a task within this (ms). */
  readonly startsWithinMs: number;
  /** `baseMs` as a wait for a cancel to reach a running task (ms). */
  cancelSeen(baseMs: number): number;
  /** The per-test timeout, or undefined for the configured one (nothing declared). */
  readonly testTimeoutMs: number | undefined;
}

const STARTS_WITHIN_MS = 30_000;
// vitest's testTimeout in this repository; a declared latency is added to it.
const TEST_TIMEOUT_MS = 60_000;
// A case waits for a worker's start once and for at most a few cancels.
const CANCELS_PER_TEST = 4;

export function waitsFor(capabilities: Capabilities): Waits {
  const startupMs = capabilities.startupMs ?? 0;
  const cancelLatencyMs = capabilities.cancelLatencyMs ?? 0;
  const extraMs = startupMs + CANCELS_PER_TEST * cancelLatencyMs;
  return {
    startsWithinMs: STARTS_WITHIN_MS + startupMs,
    cancelSeen: (baseMs) => baseMs + cancelLatencyMs,
    testTimeoutMs: extraMs === 0 ? undefined : TEST_TIMEOUT_MS + extraMs,
  };
}
