/**
 * The coordinator's end of one child's mailbox. It knows nothing of
 * scheduling: it sends messages, delivers the child's answers, and says
 * (once) when the child is lost and why.
 *
 * Its outbox is polled only while the coordinator expects something from
 * the child (batches assigned to it): an idle child costs the coordinator
 * nothing. A busy child that says nothing (no answer, no heartbeat) for
 * MISSED_HEARTBEATS heartbeats is lost: a frozen container, a cut network
 * — before Batch itself notices.
 */
import { isFromWorker, type ToWorker, type WorkerInfo } from "@parazarr/core/backend";
import { isPongMessage, isWorkerLostMessage, type FromAgent, type PingMessage } from "@parazarr/remote/agent";
import { isChildByeMessage } from "./child-protocol.js";
import { MailboxReader, MailboxWriter } from "./mailbox/mailbox.js";
import { PollDelay } from "./mailbox/poll-delay.js";
import { inboxDir, outboxDir } from "./run-config.js";
import type { ObjectStore } from "./s3.js";

export const MISSED_HEARTBEATS = 3;

export interface LinkEvents {
  message(link: ChildLink, message: FromAgent): void;
  /**
   * The child is gone. `left`: it stopped by itself, idle, and started
   * nothing after its last answer: what was sent to it since is unread.
   */
  lost(link: ChildLink, reason: string, details: { exitCode?: number }, left: boolean): void;
}

export class ChildLink {
  readonly #writer: MailboxWriter;
  readonly #reader: MailboxReader;
  #lost: string | undefined;
  lastHeardAt = performance.now();

  constructor(
    store: ObjectStore,
    runPrefix: string,
    /** The mailbox name: `<parent>-<index>-<attempt>`. */
    readonly key: string,
    readonly parentId: string,
    readonly index: number,
    readonly attempt: number,
    readonly info: WorkerInfo,
    /** Worker threads the child runs. */
    readonly workers: number,
    pollMs: number,
    private readonly heartbeatMs: number,
    /** Whether the coordinator waits for something from this child now. */
    private readonly expecting: () => boolean,
    private readonly events: LinkEvents,
  ) {
    this.#writer = new MailboxWriter(store, inboxDir(runPrefix, key), (error) => this.lose(`writing to its mailbox failed: ${(error as Error)?.message}`));
    this.#reader = new MailboxReader(store, outboxDir(runPrefix, key), new PollDelay(pollMs, pollMs), {
      onMessages: (messages) => this.#deliver(messages),
      onFailure: (error) => this.lose(`reading its mailbox failed: ${(error as Error)?.message}`),
      busy: () => expecting(),
      wanted: () => expecting(),
    });
  }

  get label(): string {
    return this.info.worker;
  }

  get lost(): string | undefined {
    return this.#lost;
  }

  /** Throws a DataCloneError for an input that cannot be serialized; nothing is sent then. */
  send(message: ToWorker | PingMessage): void {
    if (this.#lost !== undefined) return;
    this.#writer.send(message);
    this.#reader.hurry();
  }

  /** The child becomes busy after a quiet time: silence counts from now. */
  wake(): void {
    this.lastHeardAt = performance.now();
    this.#reader.hurry();
  }

  /** A busy child silent past the heartbeat bound is lost. */
  checkSilence(): void {
    if (this.#lost !== undefined || !this.expecting()) return;
    const silentMs = performance.now() - this.lastHeardAt;
    if (silentMs > MISSED_HEARTBEATS * this.heartbeatMs) {
      this.lose(`it went silent (no answer and no heartbeat for ${Math.round(silentMs / 1000)} s, ${MISSED_HEARTBEATS} heartbeats)`);
    }
  }

  /** Marks the child lost (first reason wins) and stops polling it. */
  lose(reason: string, details: { exitCode?: number } = {}, left = false): void {
    if (this.#lost !== undefined) return;
    this.#lost = reason;
    this.#reader.stop();
    this.events.lost(this, reason, details, left);
  }

  /** Tells the child to stop (it exits, its job SUCCEEDED) and waits until the message is stored. */
  async shutdown(): Promise<void> {
    if (this.#lost !== undefined) return;
    this.#writer.send({ type: "shutdown" } satisfies ToWorker);
    this.#lost = "the plan was closed";
    this.#reader.stop();
    await this.#writer.flush();
  }

  #deliver(messages: unknown[]): void {
    this.lastHeardAt = performance.now();
    for (const message of messages) {
      if (this.#lost !== undefined) return;
      if (isPongMessage(message)) continue;
      if (isChildByeMessage(message)) {
        // Its answers came before its bye (one outbox, in order), and it
        // reads nothing after it: a batch still assigned to it never ran.
        this.lose(`it stopped by itself: ${message.reason}`, {}, true);
        return;
      }
      if (isFromWorker(message) || isWorkerLostMessage(message)) this.events.message(this, message as FromAgent);
      else this.lose("it sent a message the coordinator does not understand (another parazarr version?)");
    }
  }
}
