/**
 * The worker protocol's version travels in the first message a worker
 * sends; a backend refuses a worker that states another one.
 */
import { describe, expect, it } from "vitest";
import { PROTOCOL_VERSION, checkProtocolVersion, isProtocolVersionError, type FromWorker } from "@parazarr/core/backend";
import { serveWorker } from "@parazarr/core/worker";

const info = { worker: "pid 4242", pid: 4242, cores: 2 };

function refusal(ready: unknown): Error {
  try {
    checkProtocolVersion(ready as Extract<FromWorker, { type: "ready" }>);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected checkProtocolVersion to throw");
}

describe("worker protocol version", () => {
  it("is stated by serveWorker in its ready message", () => {
    const sent: FromWorker[] = [];
    serveWorker({ send: (m) => sent.push(m), onMessage: () => {} }, { info, onShutdown: () => {} });
    expect(sent).toEqual([{ type: "ready", protocol: PROTOCOL_VERSION, info }]);
    expect(() => checkProtocolVersion(sent[0] as Extract<FromWorker, { type: "ready" }>)).not.toThrow();
  });

  it("refuses another version with a tagged error naming the worker and both versions", () => {
    const error = refusal({ type: "ready", protocol: PROTOCOL_VERSION + 1, info });
    expect(isProtocolVersionError(error)).toBe(true);
    expect(error).toMatchObject({ worker: "pid 4242", expected: PROTOCOL_VERSION, actual: PROTOCOL_VERSION + 1 });
    expect(error.message).toContain(`pid 4242 speaks parazarr worker protocol ${PROTOCOL_VERSION + 1}, but this coordinator speaks protocol ${PROTOCOL_VERSION}`);
  });

  it("refuses a worker from before versions existed (no protocol field)", () => {
    const error = refusal({ type: "ready", info });
    expect(isProtocolVersionError(error)).toBe(true);
    expect(error.message).toContain("speaks parazarr worker protocol (none: older than version 1)");
  });
});
