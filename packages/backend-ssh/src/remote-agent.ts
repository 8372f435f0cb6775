/**
 * The coordinator's end of a host's agent: one exec channel, frames both
 * ways, the agent's stderr shown locally with the host's name, and one
 * callback when the agent is gone (exited, or its channel was cut).
 */
import type { Client, ClientChannel } from "ssh2";
import { checkProtocolVersion, isFromWorker, redactText, type ToWorker, type WorkerInfo } from "@parazarr/core/backend";
import { FrameDecoder, encodeFrame, isPongMessage, isWorkerLostMessage, type FromAgent, type PingMessage } from "@parazarr/remote";
import { encodeAgentConfig, type AgentConfig } from "./agent-config.js";

/** Generous: the host's login shell (≈ 100 ms for root here), Node's start and every worker thread's. */
const AGENT_START_TIMEOUT_MS = 30_000;
const STDERR_LINES_KEPT = 20;

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

export class AgentChannel {
  readonly #decoder = new FrameDecoder();
  readonly #stderrTail: string[] = [];
  #exitStatus: { code?: number | undefined; signal?: string | undefined } = {};
  #gone: string | undefined;
  /** When the agent last said anything (performance.now()). */
  lastHeardAt = performance.now();
  #onMessage: (message: FromAgent) => void = () => {};
  #onGone: (reason: string) => void = () => {};

  constructor(
    private readonly channel: ClientChannel,
    private readonly label: string,
  ) {
    channel.on("data", (chunk: Buffer) => this.#onData(chunk));
    channel.stderr.on("data", (chunk: Buffer) => this.#onStderr(chunk));
    channel.on("exit", (code?: number | null, signal?: string) => {
      this.#exitStatus = { code: code ?? undefined, signal: signal ?? undefined };
    });
    channel.on("close", () => this.#goneWith(this.#exitReason()));
    channel.on("error", (error: Error) => this.#goneWith(`its channel failed: ${error.message}`));
  }

  /** Replaces the listeners (start-up listens first, then the host that owns the channel). */
  listen(onMessage: (message: FromAgent) => void, onGone: (reason: string) => void): void {
    this.#onMessage = onMessage;
    this.#onGone = onGone;
    if (this.#gone !== undefined) onGone(this.#gone);
  }

  /**
   * Sends one message. Throws a DataCloneError (the name core's scheduler
   * looks for) when a value cannot be serialized: v8 throws a plain Error.
   */
  send(message: ToWorker | PingMessage): void {
    let frame: Buffer[];
    try {
      frame = encodeFrame(message);
    } catch (error) {
      throw Object.assign(new Error((error as Error).message), { name: "DataCloneError" });
    }
    for (const piece of frame) this.channel.write(piece);
  }

  /** Asks the agent to stop and waits (bounded) for its channel to close. */
  async close(timeoutMs: number): Promise<void> {
    if (this.#gone !== undefined) return;
    const closed = new Promise<void>((resolve) => this.channel.once("close", () => resolve()));
    try {
      this.send({ type: "shutdown" });
      // EOF on its stdin stops the agent even if the frame was lost.
      this.channel.end();
    } catch {
      // the channel is already going away
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  get lastOutput(): string {
    return this.#stderrTail.join(" | ");
  }

  #onData(chunk: Buffer): void {
    this.lastHeardAt = performance.now();
    let messages: unknown[];
    try {
      messages = this.#decoder.push(chunk);
    } catch (error) {
      this.#goneWith((error as Error).message);
      this.channel.close();
      return;
    }
    for (const message of messages) {
      if (isPongMessage(message)) continue;
      const fromAgent = isFromWorker(message) || isWorkerLostMessage(message);
      if (fromAgent) this.#onMessage(message as FromAgent);
      else this.#goneWith("the agent sent a message the coordinator does not understand");
    }
  }

  #onStderr(chunk: Buffer): void {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      this.#stderrTail.push(line);
      if (this.#stderrTail.length > STDERR_LINES_KEPT) this.#stderrTail.shift();
      // A task's console output (and the agent's warnings) show up here, named
      // by host, scrubbed of the credentials this process knows of (a task's
      // uncaught error may repeat them, as on processes()).
      process.stderr.write(redactText(`[ssh ${this.label}] ${line}\n`));
    }
  }

  #exitReason(): string {
    const { code, signal } = this.#exitStatus;
    const output = this.#stderrTail.length > 0 ? `; its last output: ${this.lastOutput}` : "";
    // ssh2 1.17: a killed connection closes channels with neither code nor signal.
    if (code === undefined && signal === undefined) return `the agent's channel closed without an exit status (the SSH session was cut)${output}`;
    if (code === 127) return `the agent could not start: the Node.js executable was not found (exit 127; set the node option)${output}`;
    return `the agent exited with ${signal !== undefined ? `signal ${signal}` : `code ${code}`}${output}`;
  }

  #goneWith(reason: string): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    this.#onGone(reason);
  }
}

/** Starts the agent and resolves once it says it is ready, with what it reports. */
export function startAgent(client: Client, node: string, agentPath: string, config: AgentConfig, label: string): Promise<{ agent: AgentChannel; info: WorkerInfo }> {
  // `exec` replaces the login shell with node: the agent's parent is then
  // the SSH session itself, and signals reach it directly.
  const command = `exec ${quote(node)} ${quote(agentPath)} ${quote(encodeAgentConfig(config))}`;
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel) => {
      if (error) return reject(new Error(`cannot open a channel to start the agent: ${error.message}`));
      const agent = new AgentChannel(channel, label);
      const timer = setTimeout(() => {
        reject(new Error(`the agent did not say it was ready within ${AGENT_START_TIMEOUT_MS} ms${agent.lastOutput ? `; its last output: ${agent.lastOutput}` : ""}`));
        channel.close();
      }, AGENT_START_TIMEOUT_MS);
      agent.listen(
        (message) => {
          clearTimeout(timer);
          if (message.type === "ready") {
            try {
              // A stale agent (another core's bundle) must not be handed work.
              checkProtocolVersion(message, `the agent on ${label}`);
              resolve({ agent, info: message.info });
            } catch (mismatch) {
              reject(mismatch);
              channel.close();
            }
          }
          else if (message.type === "fatal") reject(new Error(`the agent failed to start: ${message.error.message}`));
          else reject(new Error(`the agent sent ${message.type} before it was ready`));
        },
        (reason) => {
          clearTimeout(timer);
          reject(new Error(reason));
        },
      );
    });
  });
}
