/**
 * One host of a started plan: its SSH connection, its SFTP session for
 * shipping bundles, and its agent. It knows nothing of scheduling: it
 * sends batches, and says (once) when it is lost and why.
 */
import type { Socket } from "node:net";
import { posix } from "node:path";
import type { Client, SFTPWrapper } from "ssh2";
import type { BatchMessage } from "@parazarr/core/backend";
import type { FromAgent } from "./agent-protocol.js";
import { bundleAgent, bundleCore, type Bundle, type TaskBundler } from "./bundle.js";
import { connectHost } from "./connect.js";
import { SshHostError, isSshHostError, type HostStage } from "./errors.js";
import type { HostAddress } from "./host-address.js";
import { hostKeyCheck } from "./host-key.js";
import type { ResolvedOptions } from "./options.js";
import type { LoadedKey } from "./private-key.js";
import { startAgent, type AgentChannel } from "./remote-agent.js";
import { homeDirectory, resolveRemoteDir, uploadOnce } from "./upload.js";

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
  readonly #uploads = new Map<string, Promise<string>>();
  #onMessage: (host: Host, message: FromAgent) => void = () => {};
  #onLost: (host: Host, reason: string) => void = () => {};

  constructor(
    address: HostAddress,
    private readonly client: Client,
    private readonly socket: Socket,
    private readonly sftp: SFTPWrapper,
    private readonly baseDir: string,
    private readonly agent: AgentChannel,
    /** Worker threads the agent runs. */
    readonly workers: number,
    /** The agent's process id (its parent is the SSH session). */
    readonly agentPid: number,
    private readonly bundler: TaskBundler,
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
    const [moduleUrl, setup] = await Promise.all([
      this.#remoteModuleUrl(batch.task.moduleUrl),
      Promise.all((batch.setup ?? []).map((url) => this.#remoteModuleUrl(url))),
    ]);
    if (!stillWanted() || this.#lost !== undefined) return false;
    const shipped = { ...batch, batchId: wireId, task: { moduleUrl, name: batch.task.name } };
    this.agent.send(setup.length > 0 ? { ...shipped, setup } : shipped);
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

  #remoteModuleUrl(localUrl: string): Promise<string> {
    return this.bundler.bundle(localUrl).then((bundle) => {
      let uploaded = this.#uploads.get(bundle.hash);
      if (uploaded === undefined) {
        uploaded = uploadOnce(this.sftp, this.baseDir, bundle).then(({ path }) => fileUrl(path));
        this.#uploads.set(bundle.hash, uploaded);
        // An upload that failed is a host problem: the host is dropped and its work moves on.
        uploaded.catch((error: Error) => this.lose(`uploading ${bundle.name} failed: ${error.message}`));
      }
      return uploaded;
    });
  }
}

/** A `file:` URL for a POSIX path on the host (not this machine's path rules). */
function fileUrl(path: string): string {
  return `file://${path.split("/").map(encodeURIComponent).join("/")}`;
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
    // The agent imports core.mjs from its sibling directory: core goes first.
    const coreBundle: Bundle = await bundleCore();
    await stage(address.label, "upload", `cannot ship core to ${posix.join(baseDir, coreBundle.hash)}`, () =>
      uploadOnce(sftp, baseDir, coreBundle),
    );
    const agentBundle: Bundle = await bundleAgent();
    const { path } = await stage(address.label, "upload", `cannot ship the agent to ${posix.join(baseDir, agentBundle.hash)}`, () =>
      uploadOnce(sftp, baseDir, agentBundle),
    );
    const config = { workers: options.workersPerHost ?? 0, host: address.label, resourceLimits: options.threadResourceLimits };
    const { agent, info } = await stage(address.label, "agent", "cannot start the agent", () =>
      startAgent(client, options.node, path, config, address.label),
    );
    const workers = options.workersPerHost ?? info.cores;
    client.removeListener("error", onEarlyError);
    const host = new Host(address, client, socket, sftp, baseDir, agent, workers, info.pid, context.bundler, options.keepaliveIntervalMs);
    if (early !== undefined) host.lose(`the SSH connection failed: ${early}`);
    return host;
  } catch (error) {
    client.removeListener("error", onEarlyError);
    client.on("error", () => {});
    client.end();
    throw error;
  }
}
