/**
 * A worker's stderr, passed on to the caller's with credentials cut out.
 *
 * A task that fails outside its promise (a stray timer, an SDK callback)
 * makes Node print the uncaught error, message and fields, on the worker's
 * stderr, which the caller shows as its own: an SDK error repeating a
 * session token would land in the user's terminal or log. On threads the
 * same failure reaches the caller as a (scrubbed) warning; this keeps
 * processes() as safe.
 *
 * Text is scrubbed a line at a time, since a secret may straddle two
 * chunks. A line still open after FLUSH_MS is written as it is so far, so a
 * progress line without "\n" is late by at most that.
 */
import { redactText } from "@parazarr/core/backend";

const FLUSH_MS = 50;

export class StderrForward {
  #pending = "";
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: (text: string) => void = (text) => void process.stderr.write(text)) {}

  add(chunk: Buffer | string): void {
    this.#pending += chunk.toString();
    const end = Math.max(this.#pending.lastIndexOf("\n"), this.#pending.lastIndexOf("\r"));
    if (end >= 0) {
      this.out(redactText(this.#pending.slice(0, end + 1)));
      this.#pending = this.#pending.slice(end + 1);
    }
    if (this.#pending === "") return this.#cancelFlush();
    this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  /** Writes whatever is left (the stream ended, or a line stayed open too long). */
  flush(): void {
    this.#cancelFlush();
    if (this.#pending === "") return;
    this.out(redactText(this.#pending));
    this.#pending = "";
  }

  #cancelFlush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
