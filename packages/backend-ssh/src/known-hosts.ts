/**
 * OpenSSH's known_hosts format, as much of it as host key verification
 * needs: plain and `[host]:port` names, comma lists, `*`/`?` wildcards,
 * `!` negations, hashed names (`|1|salt|hash`, HMAC-SHA1) and the
 * `@revoked` marker. `@cert-authority` lines are skipped: certificate host
 * keys are not supported.
 */
import { createHmac } from "node:crypto";

export interface KnownKey {
  readonly type: string;
  /** The raw key blob, as the server sends it. */
  readonly blob: Buffer;
  readonly revoked: boolean;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesHashed(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const digest = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64");
  return digest === hash;
}

function wildcard(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/** Does a comma-separated host field name this host (and no negation excludes it)? */
export function hostFieldMatches(field: string, name: string): boolean {
  let matched = false;
  for (const raw of field.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const hit = pattern.startsWith("|") ? matchesHashed(pattern, name) : wildcard(pattern).test(name);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

/** Every key known_hosts text lists for `name`. */
export function keysFor(text: string, name: string): KnownKey[] {
  const keys: KnownKey[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) continue;
    const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
    if (marker === "@cert-authority") continue;
    const [hostField, type, base64] = fields;
    if (hostField === undefined || type === undefined || base64 === undefined) continue;
    if (!hostFieldMatches(hostField, name)) continue;
    keys.push({ type, blob: Buffer.from(base64, "base64"), revoked: marker === "@revoked" });
  }
  return keys;
}
