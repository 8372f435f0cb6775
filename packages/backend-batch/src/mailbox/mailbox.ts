/**
 * A one-way message stream through S3: the writer puts objects
 * `<dir>/<seq>` (seq = 0, 1, 2 … zero-padded), the reader polls for the
 * next seq, delivers its messages, deletes it and moves on. Order is the
 * seq order whatever order the puts land in, and each object is read once.
 *
 * Why objects by sequence number and not a listing: a GET of a key that is
 * not there yet is S3's cheapest request (a listing costs ten times as
 * much), needs no pagination (s3rver 3.7.1 cannot paginate), and answers
 * "nothing new" in one round trip.
 */
import type { ObjectStore } from "../s3.js";
import type { PollDelay } from "./poll-delay.js";
import { decodeBody, encodeBody, encodeMessage } from "./wire.js";

const PUT_ATTEMPTS = 5;
const GET_FAILURES_BEFORE_GIVING_UP = 8;

/**
 * `<dir>/<seq>/message`: each message object in a folder of its own.
 * s3rver 3.7.1 deletes a folder that a DELETE leaves empty, and its PUT of
 * a Buffer makes the folder, then opens the file with no error handler: a
 * PUT into the folder a DELETE is emptying at that moment answers 200,
 * stores nothing and throws ENOENT in the server process. With one folder
 * per object, a DELETE only ever empties the folder of the object it
 * deletes. (S3 has no folders; the longer key costs nothing there.)
 */
export const seqKey = (dir: string, seq: number): string => `${dir}/${String(seq).padStart(10, "0")}/message`;

const delay = (ms: number) => new Promise((done) => setTimeout(done, ms));

export class MailboxWriter {
  #seq = 0;
  #queued: Buffer[] = [];
  #scheduled = false;
  readonly #inFlight = new Set<Promise<void>>();
  #failed = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    /** A put failed after its retries: the stream has a hole, nothing after it will be read. */
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Objects written so far. */
  get written(): number {
    return this.#seq;
  }

  /**
   * Queues one message; messages queued in the same turn share one object.
   * Throws a DataCloneError, before anything is queued, for a value that
   * cannot be serialized.
   */
  send(message: unknown): void {
    if (this.#failed) return;
    this.#queued.push(encodeMessage(message));
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#flushQueued());
  }

  /** Resolves once everything sent so far is stored (or has failed). */
  async flush(): Promise<void> {
    if (this.#queued.length > 0) this.#flushQueued();
    await Promise.all([...this.#inFlight]);
  }

  #flushQueued(): void {
    this.#scheduled = false;
    if (this.#queued.length === 0 || this.#failed) return;
    const body = encodeBody(this.#queued);
    this.#queued = [];
    const key = seqKey(this.dir, this.#seq++);
    const put = this.#put(key, body).finally(() => this.#inFlight.delete(put));
    this.#inFlight.add(put);
  }

  async #put(key: string, body: Buffer): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.put(key, body);
        return;
      } catch (error) {
        // (The SDK already retried throttling and 5xx three times.)
        if (attempt >= PUT_ATTEMPTS) {
          this.#failed = true;
          this.onFailure(error);
          return;
        }
        await delay(200 * 2 ** attempt);
      }
    }
  }
}

export interface ReaderHooks {
  readonly onMessages: (messages: unknown[]) => void;
  /** Reading failed for good (S3 unreachable, a body that is not ours). */
  readonly onFailure: (error: unknown) => void;
  /** Whether a message is expected now: polls are then at most `busyMs` apart. */
  readonly busy: () => boolean;
  /** Whether to poll at all (the coordinator polls only children it expects something from). Default: always. */
  readonly wanted?: () => boolean;
  /** Whether waiting polls keep the process alive (a child: yes; the caller: only while busy). */
  readonly keepAlive?: boolean;
}

export class MailboxReader {
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #stopped = false;
  #failures = 0;
  #polls = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly dir: string,
    private readonly delay: PollDelay,
    private readonly hooks: ReaderHooks,
  ) {}

  /** GETs sent so far (found or not). */
  get polls(): number {
    return this.#polls;
  }

  /** Starts polling (or polls at once, when it was waiting): something was sent, an answer is likely soon. */
  hurry(): void {
    if (this.#stopped) return;
    this.delay.hurry();
    if (this.#polling) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#poll();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#stopped || this.#polling) return;
    if (this.hooks.wanted !== undefined && !this.hooks.wanted()) return; // resumed by hurry()
    this.#polling = true;
    let found = false;
    try {
      const key = seqKey(this.dir, this.#seq);
      this.#polls++;
      const body = await this.store.get(key);
      this.#failures = 0;
      const messages = body === undefined ? undefined : decodeBody(body);
      if (messages !== undefined && !this.#stopped) {
        found = true;
        this.#seq++;
        // Consumed: nobody reads it again. A failed delete only leaves it for close() to sweep.
        this.store.delete(key).catch(() => undefined);
        this.hooks.onMessages(messages);
      }
    } catch (error) {
      if (++this.#failures >= GET_FAILURES_BEFORE_GIVING_UP || ["FrameError", "MailboxBodyError"].includes((error as Error).name)) {
        this.#polling = false;
        this.stop();
        this.hooks.onFailure(error);
        return;
      }
    }
    this.#polling = false;
    if (this.#stopped) return;
    if (found) this.delay.hurry();
    const busy = this.hooks.busy();
    const wait = found ? 0 : this.delay.next(busy);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, wait);
    // Only polls that wait for an answer keep a child alive; the caller is held by BatchBackend#holdWhileBusy.
    if (!busy && this.hooks.keepAlive !== true) this.#timer.unref();
  }
}
