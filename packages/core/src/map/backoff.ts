/**
 * Exponential backoff with full jitter: attempt 1 failed → wait up to
 * base, attempt 2 → up to 2 × base, … capped. Jitter keeps a crowd of
 * tasks that failed together (a throttled store) from retrying in step.
 */
export function retryDelayMs(failedAttempt: number, baseMs: number, maxMs = 30_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (failedAttempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
