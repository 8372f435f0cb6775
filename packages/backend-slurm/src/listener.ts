/**
 * The coordinator's TCP end: it listens only where the user said
 * (`listen`), challenges every connection, and hands on only the ones that
 * prove the plan's secret, as a TaskLink per array task. A connection that
 * fails the proof, says nothing, or claims a task index already connected
 * is dropped without a word.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { checkProtocolVersion, isFromWorker, type ToWorker, type WorkerInfo } from "@parazarr/core/backend";
import { FrameDecoder, encodeFrame, isPongMessage, isWorkerLostMessage, type FromAgent, type PingMessage } from "@parazarr/remote";
import { checkProof, isHelloMessage } from "./handshake.js";

const HELLO_TIMEOUT_MS = 15_000;
/** A joined task has this long to start its threads and say it is ready. */
const READY_TIMEOUT_MS = 120_000;

/** One array task's connection, once it proved itself and said it is ready. */
export class TaskLink {
  readonly #decoder: FrameDecoder;
  #gone: string | undefined;
  lastHeardAt = performance.now();
  #onMessage: (message: FromAgent) => void = () => {};
  #onGone: (reason: string) => void = () => {};

  constructor(
    readonly index: number,
    readonly info: WorkerInfo,
    private readonly socket: Socket,
    decoder: FrameDecoder,
  ) {
    this.#decoder = decoder;
    socket.removeAllListeners("data");
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("close", () => this.#goneWith("its connection closed"));
    socket.on("error", (error) => this.#goneWith(`its connection failed: ${error.message}`));
  }

  get gone(): string | undefined {
    return this.#gone;
  }

  listen(onMessage: (message: FromAgent) => void, onGone: (reason: string) => void): void {
    this.#onMessage = onMessage;
    this.#onGone = onGone;
    if (this.#gone !== undefined) onGone(this.#gone);
  }

  /** Throws a DataCloneError (the name core's scheduler looks for) for a value v8 cannot serialize. */
  send(message: ToWorker | PingMessage): void {
    let frame: Buffer[];
    try {
      frame = encodeFrame(message);
    } catch (error) {
      throw Object.assign(new Error((error as Error).message), { name: "DataCloneError" });
    }
    if (this.#gone !== undefined) return;
    for (const piece of frame) this.socket.write(piece);
  }

  /** Only a link with work in flight holds the event loop: a script that forgets close() still exits. */
  setRef(ref: boolean): void {
    if (ref) this.socket.ref();
    else this.socket.unref();
  }

  /** Asks the agent to stop, then ends the connection (its end stops the agent too). */
  shutdown(): void {
    try {
      this.send({ type: "shutdown" });
    } catch {
      // going away already
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  /** Drops the connection now: a silent or lost task. */
  drop(reason: string): void {
    this.#goneWith(reason);
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.lastHeardAt = performance.now();
    let messages: unknown[];
    try {
      messages = this.#decoder.push(chunk);
    } catch (error) {
      return this.drop((error as Error).message);
    }
    for (const message of messages) {
      if (isPongMessage(message)) continue;
      if (isFromWorker(message) || isWorkerLostMessage(message)) this.#onMessage(message as FromAgent);
      else return this.drop("the agent sent a message the coordinator does not understand");
    }
  }

  #goneWith(reason: string): void {
    if (this.#gone !== undefined) return;
    this.#gone = reason;
    this.#onGone(reason);
  }
}

export interface TaskListener {
  readonly port: number;
  close(): void;
}

/** Listens on host:port; `onTask` gets every task that proved itself and is ready; `onRefused` every start-up failure. */
export function listenForTasks(
  host: string,
  port: number,
  secret: Buffer,
  onTask: (link: TaskLink) => void,
  onFailed: (index: number, reason: string) => void,
): Promise<TaskListener> {
  const server: Server = createServer((socket) => admit(socket, secret, onTask, onFailed));
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(new Error(`slurm: cannot listen on ${host}:${port}: ${error.message}`)));
    server.listen(port, host, () => {
      // Never holds the event loop: the links with work do.
      server.unref();
      const address = server.address();
      resolve({ port: typeof address === "object" && address !== null ? address.port : port, close: () => server.close() });
    });
  });
}

function admit(socket: Socket, secret: Buffer, onTask: (link: TaskLink) => void, onFailed: (index: number, reason: string) => void): void {
  socket.setNoDelay(true);
  socket.unref();
  const decoder = new FrameDecoder();
  const nonce = randomBytes(16).toString("hex");
  let index: number | undefined;
  let timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS).unref();
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    let messages: unknown[];
    try {
      messages = decoder.push(chunk);
    } catch {
      return socket.destroy();
    }
    for (const message of messages) {
      if (index === undefined) {
        if (!isHelloMessage(message) || !checkProof(secret, nonce, message)) return socket.destroy();
        const joined = message.index;
        index = joined;
        clearTimeout(timer);
        timer = setTimeout(() => {
          onFailed(joined, `its agent did not say it was ready within ${READY_TIMEOUT_MS} ms`);
          socket.destroy();
        }, READY_TIMEOUT_MS).unref();
        continue;
      }
      clearTimeout(timer);
      if (isFromWorker(message) && message.type === "ready") {
        try {
          // A stale agent (another core's bundle) must not be handed work.
          checkProtocolVersion(message as Extract<FromAgent, { type: "ready" }>, `slurm task ${index}`);
        } catch (mismatch) {
          onFailed(index, (mismatch as Error).message);
          return socket.destroy();
        }
        return onTask(new TaskLink(index, message.info, socket, decoder));
      }
      const why = isFromWorker(message) && message.type === "fatal" ? `its agent failed to start: ${message.error.message}` : "its agent spoke before it was ready";
      onFailed(index, why);
      return socket.destroy();
    }
  });
  for (const piece of encodeFrame({ type: "challenge", nonce })) socket.write(piece);
}
