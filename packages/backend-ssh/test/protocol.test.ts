/**
 * The agent states its worker-protocol version when it starts. One found
 * in the remote cache that speaks another version (here: altered in place)
 * is refused, by a message naming both versions,
 * before it is given any work.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSshHostsUnavailableError, ssh } from "@parazarr/backend-ssh";
import { map, withPlan } from "@parazarr/core";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { whereAmI } from "./fixtures/tasks.js";

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(2);
});
afterAll(() => servers.stop());

describe("ssh: worker protocol version", () => {
  it("refuses a cached agent that speaks another protocol, naming both versions", async () => {
    const remoteDir = join(servers.dir, "remote-protocol");
    const first = ssh(sshOptions(servers, { remoteDir, workersPerHost: 1 }));
    expect((await withPlan(first, () => map(whereAmI, [1, 2]))).length).toBe(2);
    await first.close();

    // The cache trusts a file of the bundle's size under its hash: a same-length edit stays in place.
    // The version lives in the host's one copy of core (core.mjs), which the agent imports.
    const cached = readdirSync(remoteDir).flatMap((hash) =>
      readdirSync(join(remoteDir, hash)).filter((name) => name.endsWith(".mjs")).map((name) => join(remoteDir, hash, name)),
    );
    const speakers = cached.filter((file) => /PROTOCOL_VERSION = 1;/.test(readFileSync(file, "utf8")));
    expect(speakers).toHaveLength(1);
    const source = readFileSync(speakers[0]!, "utf8");
    const stale = source.replace(/PROTOCOL_VERSION = 1;/, "PROTOCOL_VERSION = 9;");
    expect(stale).not.toBe(source);
    writeFileSync(speakers[0]!, stale);

    const again = ssh(sshOptions(servers, { remoteDir, workersPerHost: 1 }));
    try {
      const error = await withPlan(again, () => map(whereAmI, [1, 2])).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(isSshHostsUnavailableError(error)).toBe(true);
      for (const host of servers.hosts) {
        expect(error?.message).toContain(`the agent on ${host} speaks parazarr worker protocol 9, but this coordinator speaks protocol 1`);
      }
    } finally {
      await again.close();
    }
  });
});
