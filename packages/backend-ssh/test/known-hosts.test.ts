/** known_hosts matching as OpenSSH does it: names, ports, patterns, hashes, revocation. */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fingerprint, keyType } from "../src/host-key.js";
import { hostFieldMatches, keysFor, knownHostsName } from "../src/known-hosts.js";

const blob = (type: string, body: string) => {
  const t = Buffer.from(type);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(t.length);
  return Buffer.concat([length, t, Buffer.from(body)]);
};
const keyA = blob("ssh-ed25519", "A".repeat(32));
const keyB = blob("ssh-ed25519", "B".repeat(32));

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

describe("known_hosts", () => {
  it("names a host as OpenSSH looks it up", () => {
    expect(knownHostsName("h1", 22)).toBe("h1");
    expect(knownHostsName("10.0.0.1", 2222)).toBe("[10.0.0.1]:2222");
  });

  it("matches plain names, lists, wildcards, negations and hashed names", () => {
    expect(hostFieldMatches("h1,h2", "h2")).toBe(true);
    expect(hostFieldMatches("h1", "[h1]:2222")).toBe(false);
    expect(hostFieldMatches("*.lab", "node3.lab")).toBe(true);
    expect(hostFieldMatches("node?.lab", "node10.lab")).toBe(false);
    expect(hostFieldMatches("*.lab,!gw.lab", "gw.lab")).toBe(false);
    expect(hostFieldMatches(hashed("[127.0.0.1]:2200"), "[127.0.0.1]:2200")).toBe(true);
    expect(hostFieldMatches(hashed("[127.0.0.1]:2200"), "[127.0.0.1]:2201")).toBe(false);
  });

  it("lists the keys for a host, marks revoked ones, skips comments and CA lines", () => {
    const text = [
      "# a comment",
      `h1 ssh-ed25519 ${keyA.toString("base64")} me@laptop`,
      `@revoked h1 ssh-ed25519 ${keyB.toString("base64")}`,
      `@cert-authority *.lab ssh-ed25519 ${keyB.toString("base64")}`,
      `h2 ssh-ed25519 ${keyB.toString("base64")}`,
      "",
    ].join("\n");
    const keys = keysFor(text, "h1");
    expect(keys.map((k) => [k.type, k.blob.equals(keyA), k.revoked])).toEqual([
      ["ssh-ed25519", true, false],
      ["ssh-ed25519", false, true],
    ]);
    expect(keysFor(text, "node1.lab")).toEqual([]);
  });

  it("prints fingerprints the way ssh does", () => {
    expect(keyType(keyA)).toBe("ssh-ed25519");
    expect(fingerprint(keyA)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
