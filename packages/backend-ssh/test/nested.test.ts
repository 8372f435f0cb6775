/**
 * Plan stacks: `[ssh({ hosts }), threads(n)]` runs n worker threads on
 * every host; the inner plan is only a description, never started here.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { getPlan, isPlanError, map, sequential, setPlan } from "@parazarr/core";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { whereAmI } from "./fixtures/tasks.js";

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(2);
});
afterAll(async () => {
  await setPlan(sequential());
  await servers.stop();
});

it("runs the inner threads(n) on every host", async () => {
  await setPlan([ssh(sshOptions(servers)), threads(3)]);
  expect(String(getPlan())).toMatch(/^\[ssh\(.+\), threads\(3\)\]$/);
  expect(await getPlan().concurrency()).toBe(2 * 3);
  const ran = await map(whereAmI, Array.from({ length: 300 }, (_, i) => i), { batchSize: 1 });
  for (const host of servers.hosts) {
    const workers = new Set(ran.filter((r) => r.worker.startsWith(`${host} `)).map((r) => r.worker));
    expect(workers.size).toBeGreaterThan(0);
    expect(workers.size).toBeLessThanOrEqual(3);
  }
});

it("runs sequential() as the inner level as one thread per host", async () => {
  await setPlan([ssh(sshOptions(servers)), sequential()]);
  expect(await getPlan().concurrency()).toBe(2);
});

it("refuses an inner level a host cannot run, naming it, before starting anything", async () => {
  const error = await setPlan([ssh(sshOptions(servers)), processes(2)]).catch((e: unknown) => e);
  expect(isPlanError(error)).toBe(true);
  expect((error as Error).message).toContain("processes(2)");
  expect((error as Error).message).toContain("threads(n) or sequential()");
});
