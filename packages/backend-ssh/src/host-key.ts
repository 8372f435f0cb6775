/**
 * Host key verification, on by default: the key a host presents must be one
 * that `hostKeys` or known_hosts lists for it. An unknown, mismatching or
 * revoked key refuses the host with a message naming it and the key's
 * fingerprint (the way `ssh` shows it: `SHA256:` + unpadded base64).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PlanError } from "@parazarr/core/backend";
import { knownHostsName, keysFor, type KnownKey } from "./known-hosts.js";
import type { HostAddress } from "./host-address.js";
import type { ResolvedOptions } from "./options.js";

export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type a blob starts with (an SSH string: uint32 length, then bytes). */
export function keyType(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString("latin1");
}

export interface HostKeyCheck {
  /** For ssh2's `hostVerifier`: accept or refuse the presented key. */
  verify(blob: Buffer): boolean;
  /** Why the last key was refused, or the fingerprint a disabled check let through. */
  readonly problem: { message: string; fingerprint: string } | undefined;
  /** Server host key algorithms to ask for, so the host presents a key we know (as OpenSSH does). */
  readonly algorithms: string[] | undefined;
}

/** Keys from the hostKeys option: public keys, or fingerprints alone. */
interface GivenKeys {
  keys: KnownKey[];
  fingerprints: string[];
  source: string;
}

const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

function fromHostKeysOption(address: HostAddress, options: ResolvedOptions): GivenKeys {
  const names = [`${address.host}:${address.port}`, knownHostsName(address.host, address.port), address.host];
  const entries = [...new Set(names)].flatMap((name) => options.hostKeys[name] ?? []);
  const keys: KnownKey[] = [];
  const fingerprints: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith("SHA256:")) {
      fingerprints.push(entry.replace(/=+$/, ""));
      continue;
    }
    const [type, base64] = entry.trim().split(/\s+/);
    if (type !== undefined && base64 !== undefined) keys.push({ type, blob: Buffer.from(base64, "base64"), revoked: false });
  }
  return { keys, fingerprints, source: "the hostKeys option" };
}

export async function readKnownHosts(options: ResolvedOptions): Promise<string> {
  try {
    return await readFile(options.knownHosts.path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A missing default file just means no host is known yet; a named file must exist.
    if (!options.knownHosts.explicit && code === "ENOENT") return "";
    throw new PlanError(`ssh(options): knownHosts ${options.knownHosts.path} cannot be read: ${code ?? (error as Error).message}`, "knownHosts");
  }
}

function whereListed(listed: number, given: GivenKeys, options: ResolvedOptions): string {
  if (listed > 0) return options.knownHosts.path;
  if (given.keys.length + given.fingerprints.length > 0) return given.source;
  return `${options.knownHosts.path} or the hostKeys option`;
}

/** Builds the check for one host from the known_hosts text read once per start. */
export function hostKeyCheck(address: HostAddress, options: ResolvedOptions, knownHostsText: string): HostKeyCheck {
  const name = knownHostsName(address.host, address.port);
  const given = fromHostKeysOption(address, options);
  const listed = keysFor(knownHostsText, name);
  const source = whereListed(listed.length, given, options);
  const revoked = listed.filter((k) => k.revoked);
  const accepted = [...given.keys, ...listed].filter((k) => !k.revoked);
  const acceptedPrints = [...accepted.map((k) => `${k.type} ${fingerprint(k.blob)}`), ...given.fingerprints];
  const types = [...new Set(accepted.map((k) => k.type))];

  const refuse = (message: string, print: string) => {
    check.problem = { message, fingerprint: print };
    return false;
  };
  const check = {
    problem: undefined as HostKeyCheck["problem"],
    // Only when every accepted key is known by type (a fingerprint says nothing of its type).
    algorithms: types.length > 0 && given.fingerprints.length === 0 ? types.flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? [t]) : undefined,
    verify(blob: Buffer): boolean {
      const print = fingerprint(blob);
      const type = keyType(blob);
      if (!options.verifyHostKeys) {
        check.problem = { message: `host key not verified (verifyHostKeys: false): ${type} ${print}`, fingerprint: print };
        return true;
      }
      if (revoked.some((k) => k.blob.equals(blob))) {
        return refuse(`host key ${type} ${print} is marked @revoked in ${options.knownHosts.path}`, print);
      }
      if (accepted.some((k) => k.blob.equals(blob)) || given.fingerprints.includes(print)) return true;
      if (acceptedPrints.length === 0) {
        return refuse(
          `unknown host key ${type} ${print}: ${name} is not in ${source}. ` +
            `If this is the right host, add its key to known_hosts (ssh-keyscan -p ${address.port} ${address.host}) or to hostKeys`,
          print,
        );
      }
      return refuse(
        `HOST KEY MISMATCH: the host presented ${type} ${print}, but ${source} lists ${acceptedPrints.join(", ")}. ` +
          "Someone may be intercepting the connection, or the host was reinstalled",
        print,
      );
    },
  };
  return check;
}
