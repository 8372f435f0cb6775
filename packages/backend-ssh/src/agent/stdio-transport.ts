/**
 * The host agent's transport: frames on stdin (from the coordinator) and
 * stdout (to it), over the SSH exec channel. stdin's end (the plan closed,
 * the connection dropped, the coordinator died) or a broken stdout (EPIPE)
 * closes it. Bytes that are not a frame end the agent, after it says why.
 */
import { toWireError } from "@parazarr/core/worker";
import { FrameDecoder, encodeFrame, type AgentTransport } from "@parazarr/remote/agent";

export interface StdioTransport extends AgentTransport {
  /** Whether the agent said it failed (a `fatal` message): its exit code is then 1, as before. */
  readonly failed: boolean;
}

export function stdioTransport(): StdioTransport {
  const decoder = new FrameDecoder();
  const closeListeners: Array<() => void> = [];
  let closed = false;
  let failed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    for (const listener of closeListeners) listener();
  };
  const transport: StdioTransport = {
    get failed() {
      return failed;
    },
    send(message) {
      if (message.type === "fatal") failed = true;
      // Results were handed over by their worker thread: nothing else touches them while they are written.
      for (const piece of encodeFrame(message)) process.stdout.write(piece);
    },
    onMessage(listener) {
      process.stdin.on("data", (chunk: Buffer) => {
        let messages: unknown[];
        try {
          messages = decoder.push(chunk);
        } catch (error) {
          transport.send({ type: "fatal", error: toWireError(error) });
          close();
          return;
        }
        for (const message of messages) listener(message);
      });
    },
    onClose(listener) {
      closeListeners.push(listener);
    },
  };
  process.stdin.on("end", close);
  process.stdin.on("error", close);
  // EPIPE: the coordinator (or its connection) is gone.
  process.stdout.on("error", close);
  return transport;
}
