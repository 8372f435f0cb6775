/**
 * How long a mailbox waits before its next poll. Fast right after
 * something happened (a message came or went: an answer is likely soon),
 * doubling on every empty poll up to a ceiling: `busyMs` while the side
 * expects something (a batch runs, a result is due) or did recently
 * (within `recentMs`: maps come in bursts, and the next one should not
 * wait for an idle poll), `idleMs` after that. So a busy mailbox answers
 * within `busyMs`, and an idle one costs at most 60 000 / idleMs requests
 * a minute once it has fallen off (about log2(idleMs / busyMs) polls after
 * the recent window).
 */
export const FIRST_MS = 10;
export const RECENT_MS = 10_000;

export class PollDelay {
  #next = FIRST_MS;
  #lastActivity = performance.now();

  constructor(
    private readonly busyMs: number,
    private readonly idleMs: number,
    private readonly recentMs: number = RECENT_MS,
  ) {}

  /** Something happened: poll soon again. */
  hurry(): void {
    this.#next = FIRST_MS;
    this.#lastActivity = performance.now();
  }

  /** The wait before the next poll, after one that found nothing. */
  next(busy: boolean): number {
    const recent = performance.now() - this.#lastActivity < this.recentMs;
    const ceiling = busy || recent ? this.busyMs : this.idleMs;
    const delay = Math.min(this.#next, ceiling);
    this.#next = Math.min(delay * 2, ceiling);
    return delay;
  }
}
