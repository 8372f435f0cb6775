/**
 * How long a mailbox waits before its next poll. Fast right after
 * something happened (a message came or went: an answer is likely soon),
 * doubling on every empty poll up to a ceiling: `busyMs` while the side
 * expects something (a batch runs, a result is due), `idleMs` when it does
 * not. So a busy mailbox answers within `busyMs`, and an idle one costs at
 * most 60 000 / idleMs requests a minute once it has fallen off (about
 * log2(idleMs / FIRST_MS) empty polls after the last activity).
 */
export const FIRST_MS = 10;

export class PollDelay {
  #next = FIRST_MS;

  constructor(
    private readonly busyMs: number,
    private readonly idleMs: number,
  ) {}

  /** Something happened: poll soon again. */
  hurry(): void {
    this.#next = FIRST_MS;
  }

  /** The wait before the next poll, after one that found nothing. */
  next(busy: boolean): number {
    const ceiling = busy ? this.busyMs : this.idleMs;
    const delay = Math.min(this.#next, ceiling);
    this.#next = Math.min(delay * 2, ceiling);
    return delay;
  }
}
