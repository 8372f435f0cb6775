/**
 * `ssh(options)`: the options type and its validation, in one place, with
 * messages that say which option, what was given and what is allowed.
 * Validation here is cheap and touches no file: a plan is cheap to create.
 * Keys and known_hosts files are read when the plan starts.
 */
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import type { ResourceLimits } from "node:worker_threads";
import { PlanError, checkCount, checkWorkers, describeValue } from "@parazarr/core/backend";
import { parseHostAddress, type HostAddress } from "./host-address.js";
import { isPartialKey, isWholeKey } from "./key-text.js";

export interface SshOptions {
  /** `"user@host:port"` for each host (user defaults to the local user, port to 22). */
  hosts: readonly string[];
  /** A private key (its text or a Buffer) or the path to one. */
  privateKey?: string | Buffer;
  /** The passphrase of an encrypted `privateKey`. Never logged or sent anywhere. */
  passphrase?: string | Buffer;
  /** An SSH agent socket; defaults to `SSH_AUTH_SOCK` when no `privateKey` is given. */
  agent?: string;
  /** A known_hosts file to verify host keys against (default `~/.ssh/known_hosts`). */
  knownHosts?: string;
  /**
   * Host keys given explicitly, by `"host"`, `"host:port"` or `"[host]:port"`:
   * a public key (`"ssh-ed25519 AAAA…"`) or a fingerprint (`"SHA256:…"`).
   */
  hostKeys?: Readonly<Record<string, string | readonly string[]>>;
  /** `false` accepts any host key, with a warning. Only for throwaway test machines. */
  verifyHostKeys?: boolean;
  /** Worker threads per host (default: the host's core count, as its agent reports it). */
  workersPerHost?: number;
  /** The Node.js executable on the hosts (default `"node"`, found on the login PATH). */
  node?: string;
  /** Where shipped files go on each host, each under `<content-hash>/` (default `~/.cache/parazarr`). */
  remoteDir?: string;
  /** Time allowed to connect, verify and authenticate (default 10 s). */
  connectTimeoutMs?: number;
  /** Heartbeat interval to each host's agent; a host silent for 3 intervals is dropped (default 5 s). */
  keepaliveIntervalMs?: number;
  /** Fail the start when any host cannot be reached, instead of going on with the others. */
  requireAllHosts?: boolean;
  /**
   * Absolute paths that every host mounts at the same place with the same
   * files (an NFS or Lustre mount). Zarr calls refuse a `file://` store
   * outside them: on its own disk each host would write chunks nobody else
   * sees. Default none: use s3:// or http(s):// stores, or list the mount.
   */
  sharedFilesystem?: readonly string[];
}

export interface ResolvedOptions {
  readonly hosts: readonly HostAddress[];
  readonly privateKey: string | Buffer | undefined;
  readonly passphrase: string | Buffer | undefined;
  readonly agent: string | undefined;
  /** The known_hosts file and whether the user named it (a missing default file is no error). */
  readonly knownHosts: { readonly path: string; readonly explicit: boolean };
  readonly hostKeys: Readonly<Record<string, readonly string[]>>;
  readonly verifyHostKeys: boolean;
  readonly workersPerHost: number | undefined;
  /** From an inner `threads(n, { resourceLimits })`: every agent thread gets them. */
  readonly threadResourceLimits: ResourceLimits | undefined;
  readonly node: string;
  readonly remoteDir: string;
  readonly connectTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
  readonly requireAllHosts: boolean;
  readonly sharedFilesystem: readonly string[];
}

const WHERE = "ssh(options)";

/** `~/…` paths on this machine (a shell would expand them; readFile does not). */
export function expandHome(path: string): string {
  return path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path;
}
const KNOWN = new Set([
  "hosts", "privateKey", "passphrase", "agent", "knownHosts", "hostKeys", "verifyHostKeys", "workersPerHost",
  "node", "remoteDir", "connectTimeoutMs", "keepaliveIntervalMs", "requireAllHosts", "sharedFilesystem",
]);

function fail(option: string, allowed: string, value: unknown): never {
  // Secrets are never echoed back (nor kept on the error), whatever was passed.
  const secret = option === "privateKey" || option === "passphrase";
  const shown = secret ? "a value of the wrong type" : describeValue(value);
  throw new PlanError(`${WHERE}: ${option} must be ${allowed}, got ${shown}`, option, secret ? undefined : value);
}

function optionalString(options: SshOptions, option: keyof SshOptions): string | undefined {
  const value = options[option];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) fail(option, "a non-empty string", value);
  return value;
}

function resolveHosts(hosts: unknown): HostAddress[] {
  if (!Array.isArray(hosts) || hosts.length === 0) fail("hosts", 'a non-empty array of "user@host:port" strings', hosts);
  const parsed = hosts.map((h: unknown, i) => parseHostAddress(h, i));
  const seen = new Set<string>();
  for (const h of parsed) {
    const key = `${h.username}@${h.host}:${h.port}`;
    if (seen.has(key)) throw new PlanError(`${WHERE}: hosts lists ${h.label} twice`, "hosts", h.label);
    seen.add(key);
  }
  return parsed;
}

function resolveHostKeys(value: unknown): Record<string, readonly string[]> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("hostKeys", 'an object such as { "host:port": "ssh-ed25519 AAAA…" }', value);
  }
  const out: Record<string, readonly string[]> = {};
  for (const [host, keys] of Object.entries(value)) {
    const list: unknown[] = Array.isArray(keys) ? keys : [keys];
    if (list.length === 0 || !list.every((k) => typeof k === "string" && k.length > 0)) {
      fail(`hostKeys[${JSON.stringify(host)}]`, "a public key line, a SHA256: fingerprint, or an array of them", keys);
    }
    out[host] = list as string[];
  }
  return out;
}

function resolveSharedFilesystem(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === "string" && isAbsolute(expandHome(p)))) {
    fail("sharedFilesystem", 'a list of absolute paths, such as ["/shared/data"]', value);
  }
  return value.map((p: string) => resolve(expandHome(p)));
}

function optionalMs(options: SshOptions, option: "connectTimeoutMs" | "keepaliveIntervalMs", fallback: number): number {
  const value = options[option];
  return value === undefined ? fallback : checkCount(WHERE, option, value, 1);
}

/** Validates every option once, when the plan is made. */
export function resolveOptions(options: SshOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) fail("options", "an object with at least { hosts }", options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new PlanError(`${WHERE}: unknown option ${JSON.stringify(key)}; known: ${[...KNOWN].join(", ")}`, key);
  }
  const { privateKey, passphrase, workersPerHost, verifyHostKeys, requireAllHosts } = options;
  if (privateKey !== undefined && typeof privateKey !== "string" && !Buffer.isBuffer(privateKey)) {
    fail("privateKey", "a key (string or Buffer) or a path to one", privateKey);
  }
  if (typeof privateKey === "string" && !isWholeKey(privateKey) && isPartialKey(privateKey)) {
    // Not a path (it would be printed as one) and not a key ssh2 can read: refused without echoing it.
    throw new PlanError(
      `${WHERE}: privateKey looks like key content but not a whole key (no "-----BEGIN … PRIVATE KEY-----" line?); ` +
        "give the key file's whole text or the path to it",
      "privateKey",
    );
  }
  if (passphrase !== undefined && typeof passphrase !== "string" && !Buffer.isBuffer(passphrase)) {
    fail("passphrase", "a string or a Buffer", passphrase);
  }
  if (verifyHostKeys !== undefined && typeof verifyHostKeys !== "boolean") fail("verifyHostKeys", "true or false", verifyHostKeys);
  if (requireAllHosts !== undefined && typeof requireAllHosts !== "boolean") fail("requireAllHosts", "true or false", requireAllHosts);
  const knownHosts = optionalString(options, "knownHosts");
  const agent = optionalString(options, "agent") ?? (privateKey === undefined ? process.env.SSH_AUTH_SOCK : undefined);
  return {
    hosts: resolveHosts(options.hosts),
    privateKey,
    passphrase,
    agent: agent || undefined,
    knownHosts: { path: knownHosts !== undefined ? expandHome(knownHosts) : join(homedir(), ".ssh", "known_hosts"), explicit: knownHosts !== undefined },
    hostKeys: resolveHostKeys(options.hostKeys),
    verifyHostKeys: verifyHostKeys ?? true,
    workersPerHost: workersPerHost === undefined ? undefined : checkWorkers(WHERE, "workersPerHost", workersPerHost, { remote: true }),
    threadResourceLimits: undefined,
    node: optionalString(options, "node") ?? "node",
    remoteDir: optionalString(options, "remoteDir") ?? "~/.cache/parazarr",
    connectTimeoutMs: optionalMs(options, "connectTimeoutMs", 10_000),
    keepaliveIntervalMs: optionalMs(options, "keepaliveIntervalMs", 5_000),
    requireAllHosts: requireAllHosts ?? false,
    sharedFilesystem: resolveSharedFilesystem(options.sharedFilesystem),
  };
}
