/**
 * Hosts that cannot be used are refused with an error that names the host
 * (and, for host keys, the fingerprint `ssh` would show); the others go on
 * unless requireAllHosts is set. No error ever holds the private key.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isSshHostsUnavailableError, ssh, type SshOptions } from "@parazarr/backend-ssh";
import { map, sequential, setPlan, withPlan } from "@parazarr/core";
import { freePort, sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { whereAmI } from "./fixtures/tasks.js";
import { captureWarnings, type CapturedWarnings } from "../../../test/fixtures/expected-output.js";

let servers: SshServers;
const warnings: Array<Error & { code?: string }> = [];
// Expected warnings (lost and unreachable hosts) are kept for the assertions, not printed.
let expectedWarnings: CapturedWarnings;

beforeAll(async () => {
  servers = await startSshServers(2);
  expectedWarnings = captureWarnings(warnings);
});
afterEach(() => setPlan(sequential()));
afterAll(async () => {
  expectedWarnings.restore();
  await servers.stop();
});

const fingerprintOf = (publicKey: string) =>
  `SHA256:${createHash("sha256").update(Buffer.from(publicKey.split(" ")[1]!, "base64")).digest("base64").replace(/=+$/, "")}`;

/** Runs one small map on a fresh plan and returns what it rejected with. */
async function failureOf(options: SshOptions): Promise<Error> {
  const plan = ssh(options);
  try {
    await withPlan(plan, () => map(whereAmI, [1]));
  } catch (error) {
    return error as Error;
  } finally {
    await plan.close();
  }
  throw new Error("expected the map to fail");
}

async function knownHostsFile(name: string, text: string): Promise<string> {
  const path = join(servers.dir, name);
  await writeFile(path, text);
  return path;
}

describe("ssh: refused hosts", () => {
  const host = () => servers.hosts[0]!;

  it("a host key that does not match known_hosts: names the host and both fingerprints", async () => {
    // known_hosts lists server 1's key for server 0's address.
    const knownHosts = await knownHostsFile("wrong_known_hosts", `[127.0.0.1]:${servers.ports[0]} ${servers.publicHostKeys[1]}\n`);
    const error = await failureOf(sshOptions(servers, { hosts: [host()], knownHosts }));
    expect(isSshHostsUnavailableError(error)).toBe(true);
    expect(error.message).toContain(host());
    expect(error.message).toContain("HOST KEY MISMATCH");
    expect(error.message).toContain(fingerprintOf(servers.publicHostKeys[0]!));
    expect(error.message).toContain(fingerprintOf(servers.publicHostKeys[1]!));
  });

  it("an unknown host: names the host, its fingerprint and how to trust it", async () => {
    const knownHosts = await knownHostsFile("empty_known_hosts", "");
    const error = await failureOf(sshOptions(servers, { hosts: [host()], knownHosts }));
    expect(error.message).toContain(host());
    expect(error.message).toContain("unknown host key");
    expect(error.message).toContain(fingerprintOf(servers.publicHostKeys[0]!));
    expect(error.message).toContain(`ssh-keyscan -p ${servers.ports[0]} 127.0.0.1`);
  });

  it("a private key the host does not accept: names the host and the user, never the key", async () => {
    const error = await failureOf(sshOptions(servers, { hosts: [host()], privateKey: servers.wrongKey }));
    expect(error.message).toContain(host());
    expect(error.message).toMatch(/authentication as "root" was refused/);
    expect(error.message).toContain(servers.wrongKey); // the path, which is no secret
    const keyText = await readFile(servers.wrongKey, "utf8");
    const inline = await failureOf(sshOptions(servers, { hosts: [host()], privateKey: keyText }));
    expect(inline.message).toContain("the privateKey given");
    for (const e of [error, inline]) {
      expect(`${e.message}\n${e.stack}`).not.toContain("PRIVATE KEY");
      expect(`${e.message}`).not.toContain(keyText.split("\n")[1]!);
    }
  });

  it("a closed port: names the host and says the connection was refused", async () => {
    const closed = `root@127.0.0.1:${await freePort()}`;
    const error = await failureOf(sshOptions(servers, { hosts: [closed] }));
    expect(error.message).toContain(closed);
    expect(error.message).toContain("connection refused");
  });

  it("goes on with the reachable hosts, saying which one is not", async () => {
    const closed = `root@127.0.0.1:${await freePort()}`;
    warnings.length = 0;
    const plan = ssh(sshOptions(servers, { hosts: [servers.hosts[0]!, closed, servers.hosts[1]!], workersPerHost: 1 }));
    const seen = await withPlan(plan, () => map(whereAmI, Array.from({ length: 20 }, (_, i) => i), { batchSize: 1 }));
    await plan.close();
    expect(new Set(seen.map((s) => s.worker.split(" ")[0]))).toEqual(new Set([servers.hosts[0], servers.hosts[1]]));
    const warning = warnings.find((w) => w.code === "PARAZARR_SSH_HOST_UNAVAILABLE");
    expect(warning?.message).toContain(closed);
    expect(warning?.message).toContain("2 of 3 hosts");
  });

  it("refuses to start without every host when requireAllHosts is set", async () => {
    const closed = `root@127.0.0.1:${await freePort()}`;
    const error = await failureOf(sshOptions(servers, { hosts: [servers.hosts[0]!, closed], requireAllHosts: true }));
    expect(isSshHostsUnavailableError(error)).toBe(true);
    expect(error.message).toContain("requireAllHosts");
    expect(error.message).toContain(closed);
  });

  it("accepts a host key given by fingerprint in hostKeys, without known_hosts", async () => {
    const knownHosts = await knownHostsFile("empty_known_hosts", "");
    const hostKeys = { [`127.0.0.1:${servers.ports[0]}`]: fingerprintOf(servers.publicHostKeys[0]!) };
    const plan = ssh(sshOptions(servers, { hosts: [host()], knownHosts, hostKeys }));
    expect(await withPlan(plan, () => map(whereAmI, [1]))).toHaveLength(1);
    await plan.close();
  });

  it("skips verification only when told to, and warns", async () => {
    const knownHosts = await knownHostsFile("empty_known_hosts", "");
    warnings.length = 0;
    const plan = ssh(sshOptions(servers, { hosts: [host()], knownHosts, verifyHostKeys: false }));
    expect(await withPlan(plan, () => map(whereAmI, [1]))).toHaveLength(1);
    await plan.close();
    const warned = warnings.filter((w) => w.code === "PARAZARR_SSH_HOST_KEY_UNVERIFIED").map((w) => w.message);
    expect(warned.join("\n")).toContain("verification is OFF");
    expect(warned.join("\n")).toContain(fingerprintOf(servers.publicHostKeys[0]!));
  });
});
