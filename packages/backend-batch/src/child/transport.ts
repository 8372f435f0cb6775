/**
 * A Batch child's end of the S3 mailbox, as the shared agent's transport.
 *
 * Down: the child polls `to/<child>/<seq>`, at most `pollMs` apart while it
 * holds batches (so a cancel reaches a running task within about `pollMs`),
 * falling off to `idlePollMs` when it has none. Up: its answers go to
 * `from/<child>/<seq>`; its `ready` goes to `hello/<child>`, where the
 * coordinator finds every new child with one listing.
 *
 * While it holds batches it sends a heartbeat (`pong`) every `heartbeatMs`:
 * the coordinator counts a busy child silent for three of them as lost (a
 * frozen container, a network cut), even before Batch says anything.
 *
 * It closes (and the agent stops) when the coordinator says `shutdown`, or
 * after `idleTimeoutMs` with nothing to do: a caller that died (SIGKILL,
 * power loss) leaves children that stop by themselves, at most
 * `idleTimeoutMs` after their last batch. Closing for idleness says so
 * (`child-bye`), so the coordinator stops counting on the child at once.
 */
import type { AgentTransport, FromAgent, PongMessage } from "@parazarr/remote/agent";
import { MailboxReader, MailboxWriter } from "../mailbox/mailbox.js";
import { PollDelay } from "../mailbox/poll-delay.js";
import { encodeBody, encodeMessage } from "../mailbox/wire.js";
import type { ObjectStore } from "../s3.js";
import { helloKey, inboxDir, outboxDir, type RunConfig } from "../run-config.js";
import type { ChildByeMessage } from "../child-protocol.js";

export class ChildTransport implements AgentTransport {
  readonly #writer: MailboxWriter;
  readonly #reader: MailboxReader;
  /** Batches the coordinator gave this child that it has not answered yet. */
  readonly #holding = new Set<number>();
  readonly #messageListeners: Array<(message: unknown) => void> = [];
  readonly #closeListeners: Array<() => void> = [];
  #lastActivity = performance.now();
  #closed: string | undefined;
  #greeted = false;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #idleCheck: NodeJS.Timeout;

  constructor(
    private readonly store: ObjectStore,
    private readonly config: RunConfig,
    readonly child: string,
    private readonly onError: (what: string, error: unknown) => void = () => {},
  ) {
    this.#writer = new MailboxWriter(store, outboxDir(config.runPrefix, child), (error) => this.#fail("writing to the coordinator", error));
    this.#reader = new MailboxReader(store, inboxDir(config.runPrefix, child), new PollDelay(config.pollMs, config.idlePollMs), {
      onMessages: (messages) => this.#deliver(messages),
      onFailure: (error) => this.#fail("reading from the coordinator", error),
      busy: () => this.#holding.size > 0,
      keepAlive: true,
    });
    this.#heartbeat = setInterval(() => {
      if (this.#holding.size > 0) this.#writer.send({ type: "pong" } satisfies PongMessage);
    }, config.heartbeatMs);
    this.#idleCheck = setInterval(() => this.#checkIdle(), Math.min(config.idleTimeoutMs, 1_000));
    this.#reader.hurry();
  }

  send(message: FromAgent | PongMessage): void {
    if (this.#closed !== undefined) return;
    this.#lastActivity = performance.now();
    if (message.type === "fatal") console.error(`parazarr child: the agent failed: ${message.error.message}`);
    if (message.type === "ready" || (message.type === "fatal" && !this.#greeted)) {
      // One object per child, found by listing: no poll per child while they start. A
      // child that fails before it is ready says so there too: nobody reads its outbox yet.
      this.#greeted = true;
      const body = encodeBody([encodeMessage(message)]);
      this.store.put(helloKey(this.config.runPrefix, this.child), body).catch((error: unknown) => this.#fail("saying hello", error));
      return;
    }
    this.#writer.send(message);
    if (message.type === "batch-result" || message.type === "batch-cancelled" || message.type === "worker-lost") {
      this.#holding.delete(message.batchId);
    }
  }

  onMessage(listener: (message: unknown) => void): void {
    this.#messageListeners.push(listener);
  }

  onClose(listener: () => void): void {
    if (this.#closed !== undefined) listener();
    else this.#closeListeners.push(listener);
  }

  /** Why it closed, once it has. */
  get closedBecause(): string | undefined {
    return this.#closed;
  }

  /** Everything written so far is stored: call before the process exits. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #deliver(messages: unknown[]): void {
    this.#lastActivity = performance.now();
    for (const message of messages) {
      const type = (message as { type?: unknown } | null)?.type;
      if (type === "batch") this.#holding.add((message as { batchId: number }).batchId);
      for (const listener of this.#messageListeners) listener(message);
      if (type === "shutdown") this.close("the coordinator said shutdown");
    }
  }

  #checkIdle(): void {
    if (this.#holding.size > 0 || this.#closed !== undefined) return;
    const idle = performance.now() - this.#lastActivity;
    if (idle < this.config.idleTimeoutMs) return;
    const reason = `idle for ${Math.round(idle / 1000)} s (idleTimeoutMs ${this.config.idleTimeoutMs})`;
    this.#writer.send({ type: "child-bye", reason } satisfies ChildByeMessage);
    this.close(reason);
  }

  #fail(what: string, error: unknown): void {
    this.onError(what, error);
    this.close(`${what} failed: ${(error as Error)?.message ?? String(error)}`);
  }

  close(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    this.#reader.stop();
    clearInterval(this.#heartbeat);
    clearInterval(this.#idleCheck);
    for (const listener of this.#closeListeners.splice(0)) listener();
  }
}
