/**
 * Batch's API limits are per account and shared with everything else the
 * account runs (SubmitJob: 50 calls a second). A TooManyRequestsException
 * that outlasts the SDK's own retries (3 attempts, standard mode) is waited
 * out here, with exponential backoff and jitter, before it counts as a
 * failure: a busy account slows a start down, it does not fail it.
 */
const THROTTLED_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 10_000;

export const isThrottled = (error: unknown): boolean => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === "TooManyRequestsException" || e?.$metadata?.httpStatusCode === 429;
};

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

export async function outlastThrottling<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isThrottled(error) || attempt >= THROTTLED_ATTEMPTS) throw error;
      await delay(Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}
