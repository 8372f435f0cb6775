/**
 * A task's transport: one TCP connection back to the coordinator, frames
 * both ways. It answers the coordinator's challenge first (handshake.ts);
 * the connection's end (plan closed, coordinator gone) closes it.
 */
import { readFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { toWireError } from "@parazarr/core/worker";
import { FrameDecoder, encodeFrame, type AgentTransport } from "@parazarr/remote/agent";
import { isChallengeMessage, proofOf } from "../handshake.js";
import { CONFIG_FILE, SECRET_FILE, type RunConfig } from "../run-dir.js";

const CONNECT_TIMEOUT_MS = 30_000;

export interface Run {
  readonly config: RunConfig;
  readonly secret: Buffer;
}

export async function readRun(runDir: string): Promise<Run> {
  const [config, secret] = await Promise.all([readFile(join(runDir, CONFIG_FILE), "utf8"), readFile(join(runDir, SECRET_FILE))]);
  return { config: JSON.parse(config) as RunConfig, secret };
}

export interface TcpTransport extends AgentTransport {
  readonly failed: boolean;
}

export function connectTransport(run: Run, index: number): Promise<TcpTransport> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: run.config.host, port: run.config.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const decoder = new FrameDecoder();
    const timer = setTimeout(() => fail(new Error(`no answer from the coordinator at ${run.config.host}:${run.config.port} within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    let listener: ((message: unknown) => void) | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.once("error", (error) => fail(new Error(`cannot reach the coordinator at ${run.config.host}:${run.config.port}: ${error.message}`)));
    socket.on("data", (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = decoder.push(chunk);
      } catch (error) {
        return fail(error as Error);
      }
      for (const message of messages) {
        if (listener !== undefined) listener(message);
        else if (isChallengeMessage(message)) {
          clearTimeout(timer);
          for (const piece of encodeFrame({ type: "hello", index, proof: proofOf(run.secret, message.nonce, index) })) socket.write(piece);
          resolve(transportOver(socket, (l) => (listener = l)));
        } else fail(new Error("the coordinator did not start with a challenge"));
      }
    });
  });
}

function transportOver(socket: Socket, setListener: (listener: (message: unknown) => void) => void): TcpTransport {
  const closeListeners: Array<() => void> = [];
  let closed = false;
  let failed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  socket.on("close", close);
  socket.on("error", close);
  const transport: TcpTransport = {
    get failed() {
      return failed;
    },
    send(message) {
      if (message.type === "fatal") failed = true;
      if (closed) return;
      for (const piece of encodeFrame(message)) socket.write(piece);
    },
    onMessage(listener) {
      setListener((message) => {
        try {
          listener(message);
        } catch (error) {
          transport.send({ type: "fatal", error: toWireError(error) });
          socket.end();
        }
      });
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
  return transport;
}
