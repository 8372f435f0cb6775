/**
 * One host of a started plan: its SSH connection, its SFTP session for
 * shipping bundles, and its agent. It knows nothing of scheduling: it
 * sends batches, and says (once) when it is lost and why.
 */
import type { Socket } from "node:net";
import type { Client, SFTPWrapper } from "ssh2";
import type { BatchMessage } from "@parazarr/core/backend";
import { Shipper, isModuleBundleError, type FromAgent, type TaskBundler } from "@parazarr/remote";
import { bundleAgent } from "./agent-bundle.js";
import { connectHost } from "./connect.js";
import { SshHostError, isSshHostError, type HostStage } from "./errors.js";
import type { HostAddress } from "./host-address.js";
import { hostKeyCheck } from "./host-key.js";
import type { ResolvedOptions } from "./options.js";
import type { LoadedKey } from "./private-key.js";
import { startAgent, type AgentChannel } from "./remote-agent.js";
import { homeDirectory, resolveRemoteDir, sftpCodeStore } from "./upload.js";

type Ssh2 = typeof import("ssh2");

const CLOSE_TIMEOUT_MS = 3_000;
/** Heartbeats a host may leave unanswered before it counts as silent. */
const MISSED_HEARTBEATS = 3;

/** What every host of one start shares. */
export interface StartContext {
  readonly ssh2: Ssh2;
  readonly options: ResolvedOptions;
  readonly key: LoadedKey;
  readonly knownHostsText: string;
  readonly bundler: TaskBundler;
}

export class Host {
  readonly label: string;
  #lost: string | undefined;
  #closing = false;
  #clientClosed = false;
  readonly #heartbeat: NodeJS.Timeout;
  #onMessage: (host: Host, message: FromAgent) => void = () => {};
  #onLost: (host: Host, reason: string) => void = () => {};

  constructor(
    address: HostAddress,
    private readonly client: Client,
    private readonly socket: Socket,
    /** Ships to this host's remote directory over its SFTP session. */
    private readonly shipper: Shipper,
    private readonly agent: AgentChannel,
    /** Worker threads the agent runs. */
    readonly workers: number,
    /** The agent's process id (its parent is the SSH session). */
    readonly agentPid: number,
    heartbeatMs: number,
  ) {
    this.label = address.label;
    // Never holds the event loop: only work in flight does (see setRef).
    this.#heartbeat = setInterval(() => this.#beat(heartbeatMs), heartbeatMs).unref();
    client.on("close", () => {
      this.#clientClosed = true;
      this.lose("the SSH connection closed");
    });
    // (ssh2's own keepalive is off, see connect.ts: silence is noticed by #beat.)
    client.on("error", (error: Error) => this.lose(`the SSH connection failed: ${error.message}`));
    agent.listen(
      (message) => this.#onMessage(this, message),
      (reason) => this.lose(reason),
    );
  }

  /** Why the host was lost, or undefined while it is usable. */
  get lost(): string | undefined {
    return this.#lost;
  }

  listen(onMessage: (host: Host, message: FromAgent) => void, onLost: (host: Host, reason: string) => void): void {
    this.#onMessage = onMessage;
    this.#onLost = onLost;
  }

  /**
   * Ships the batch's task module and set-up modules if needed, then sends
   * the batch under the coordinator's own id, naming each module by its
   * path on this host.
   * `stillWanted` is asked after the upload: the batch may have been
   * cancelled (or moved away) meanwhile. Resolves to whether it was sent.
   */
  async send(wireId: number, batch: BatchMessage, stillWanted: () => boolean): Promise<boolean> {
    const shipped = await this.shipper.shipBatch(batch).catch((error: unknown) => {
      // An upload that failed is a host problem: the host is dropped and its work moves on.
      if (!isModuleBundleError(error)) this.lose((error as Error).message);
      throw error;
    });
    if (!stillWanted() || this.#lost !== undefined) return false;
    this.agent.send({ ...shipped, batchId: wireId });
    return true;
  }

  /** core's cancel (`"cancel"`: the task's signal fires) or stop (`"stop"`: its thread is ended). */
  cancel(wireId: number, type: "cancel" | "stop" = "cancel"): void {
    if (this.#lost !== undefined) return;
    try {
      this.agent.send({ type, batchId: wireId });
    } catch {
      // a cancel that cannot be sent has nothing left to cancel
    }
  }

  /**
   * Whether this host's connection keeps the caller's event loop alive:
   * only while it has work. A script that never closes its plan exits.
   */
  setRef(on: boolean): void {
    if (on) this.socket.ref();
    else this.socket.unref();
  }

  /** Asks the agent for a sign of life; one that stays silent too long loses the host. */
  #beat(intervalMs: number): void {
    if (this.#lost !== undefined || this.#closing) return;
    if (performance.now() - this.agent.lastHeardAt > MISSED_HEARTBEATS * intervalMs) {
      this.lose(`the SSH connection went silent (keepalive timeout: no answer to ${MISSED_HEARTBEATS} heartbeats)`);
      return;
    }
    try {
      this.agent.send({ type: "ping" });
    } catch {
      // the channel is going away: its 'close' reports the loss
    }
  }

  /** Marks the host lost (first reason wins) and drops its connection. */
  lose(reason: string): void {
    if (this.#lost !== undefined) return;
    this.#lost = reason;
    clearInterval(this.#heartbeat);
    if (this.#closing) return;
    this.client.end();
    this.#onLost(this, reason);
  }

  /** Stops the agent and closes the connection; bounded in time. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    // Closing is awaited work: it holds the event loop until it is done.
    this.setRef(true);
    if (this.#lost === undefined) await this.agent.close(CLOSE_TIMEOUT_MS);
    this.#lost ??= "the plan was closed";
    if (!this.#clientClosed) await endClient(this.client);
  }
}

/** The POSIX path on the host that a shipped bundle's `file:` URL names (not this machine's path rules). */
function hostPath(fileUrl: string): string {
  return decodeURIComponent(new URL(fileUrl).pathname);
}

function endClient(client: Client): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.destroy();
      resolve();
    }, CLOSE_TIMEOUT_MS);
    client.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    client.end();
  });
}

function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))));
}

async function stage<T>(label: string, name: HostStage, what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isSshHostError(error)) throw error;
    throw new SshHostError(label, name, `${what}: ${(error as Error).message}`, undefined, { cause: error });
  }
}

/** Connects, ships the agent, starts it; any failure names the host and the step. */
export async function openHost(address: HostAddress, context: StartContext): Promise<Host> {
  const { ssh2, options, key } = context;
  const check = hostKeyCheck(address, options, context.knownHostsText);
  const { client, socket } = await connectHost(ssh2, address, options, check, key);
  // Until the Host owns the connection, an error must not go unhandled.
  let early: string | undefined;
  const onEarlyError = (error: Error) => (early ??= error.message);
  client.on("error", onEarlyError);
  try {
    if (!options.verifyHostKeys && check.problem !== undefined) {
      process.emitWarning(`ssh host ${address.label}: ${check.problem.message}`, { code: "PARAZARR_SSH_HOST_KEY_UNVERIFIED" });
    }
    const sftp = await stage(address.label, "upload", "cannot open SFTP", () => openSftp(client));
    const home = await stage(address.label, "upload", "cannot find the home directory", () => homeDirectory(sftp));
    const baseDir = resolveRemoteDir(options.remoteDir, home);
    const shipper = new Shipper(sftpCodeStore(sftp, baseDir), context.bundler);
    // The agent imports core.mjs from its sibling directory: the Shipper puts core first.
    const agentBundle = await bundleAgent();
    const agentUrl = await stage(address.label, "upload", "cannot ship core and the agent", () => shipper.shipEntry(agentBundle));
    const config = { workers: options.workersPerHost ?? 0, host: address.label, resourceLimits: options.threadResourceLimits };
    const { agent, info } = await stage(address.label, "agent", "cannot start the agent", () =>
      startAgent(client, options.node, hostPath(agentUrl), config, address.label),
    );
    const workers = options.workersPerHost ?? info.cores;
    client.removeListener("error", onEarlyError);
    const host = new Host(address, client, socket, shipper, agent, workers, info.pid, options.keepaliveIntervalMs);
    if (early !== undefined) host.lose(`the SSH connection failed: ${early}`);
    return host;
  } catch (error) {
    client.removeListener("error", onEarlyError);
    client.on("error", () => {});
    client.end();
    throw error;
  }
}
