/**
 * Opens one verified, authenticated SSH connection, and turns ssh2's
 * failures into errors that name the host and say what went wrong.
 */
import { Socket } from "node:net";
import type { Client, ConnectConfig } from "ssh2";
import { SshHostError } from "./errors.js";
import type { HostAddress } from "./host-address.js";
import type { HostKeyCheck } from "./host-key.js";
import type { ResolvedOptions } from "./options.js";
import type { LoadedKey } from "./private-key.js";

type Ssh2 = typeof import("ssh2");

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens on that port)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (DNS temporary failure)",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
};

function describeFailure(error: Error & { code?: string; level?: string }, address: HostAddress, check: HostKeyCheck, key: LoadedKey, options: ResolvedOptions): SshHostError {
  const where = `${address.host}:${address.port}`;
  if (check.problem !== undefined && options.verifyHostKeys) {
    return new SshHostError(address.label, "host-key", check.problem.message, check.problem.fingerprint);
  }
  if (error.level === "client-authentication") {
    const tried = [key.key !== undefined ? `publickey (${key.describe})` : undefined, options.agent ? "the SSH agent" : undefined]
      .filter(Boolean)
      .join(" and ");
    return new SshHostError(address.label, "auth", `authentication as "${address.username}" was refused (tried ${tried || "no method: give privateKey or agent"})`);
  }
  const network = error.code === undefined ? undefined : NETWORK_CODES[error.code];
  if (network !== undefined) return new SshHostError(address.label, "connect", `cannot connect to ${where}: ${network} (${error.code})`);
  if (/timed out/i.test(error.message)) {
    return new SshHostError(address.label, "connect", `no SSH handshake with ${where} within ${options.connectTimeoutMs} ms`);
  }
  return new SshHostError(address.label, "connect", `cannot connect to ${where}: ${error.message}`, undefined, { cause: error });
}

export interface Connection {
  readonly client: Client;
  /**
   * The TCP socket under it. Ours, so that an idle plan can unref it: a
   * script that never closes its plan must still exit (ssh2 1.17 has no
   * API for that on the socket it makes itself).
   */
  readonly socket: Socket;
}

/** Resolves once the connection is ready (host key verified, user authenticated). */
export function connectHost(ssh2: Ssh2, address: HostAddress, options: ResolvedOptions, check: HostKeyCheck, key: LoadedKey): Promise<Connection> {
  const client = new ssh2.Client();
  const socket = new Socket();
  const config: ConnectConfig = {
    sock: socket,
    username: address.username,
    readyTimeout: options.connectTimeoutMs,
    // No ssh2 keepalive: its interval timer always holds the event loop
    // (ssh2 1.17), so an idle plan could never let a script exit. A silent
    // peer is noticed by the host's own heartbeat to its agent (host.ts).
    keepaliveInterval: 0,
    hostVerifier: (blob: Buffer) => check.verify(blob),
    ...(key.key !== undefined ? { privateKey: key.key } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    ...(options.agent !== undefined ? { agent: options.agent } : {}),
    ...(check.algorithms !== undefined ? { algorithms: { serverHostKey: check.algorithms as never } } : {}),
  };
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      client.removeListener("ready", onReady);
      client.removeListener("close", onClose);
      client.end();
      reject(describeFailure(error, address, check, key, options));
    };
    const onClose = () => {
      client.removeListener("error", onError);
      client.removeListener("ready", onReady);
      reject(describeFailure(new Error("the connection closed during the handshake"), address, check, key, options));
    };
    const onReady = () => {
      client.removeListener("error", onError);
      client.removeListener("close", onClose);
      // Nagle's algorithm delays small frames: channel open drops from ≈ 40 ms to 1–3 ms (ssh2 1.17).
      client.setNoDelay(true);
      resolve({ client, socket });
    };
    client.once("ready", onReady);
    client.once("error", onError);
    client.once("close", onClose);
    try {
      // Connecting first: ssh2 takes a socket that is not `connecting` as already connected.
      socket.connect({ host: address.host, port: address.port });
      client.connect(config);
    } catch (error) {
      onError(error as Error);
    }
  });
}
