/**
 * Plan stacks: `[ssh({ hosts }), threads(n)]` runs n worker threads on
 * every host; the inner plan is only a description, never started here.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { threads } from "@parazarr/backend-threads";
import { processes } from "@parazarr/backend-processes";
import { getPlan, isPlanError, map, sequential, setPlan } from "@parazarr/core";
import { definePlan } from "@parazarr/core/backend";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { heapLimitMb, whereAmI } from "./fixtures/tasks.js";

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

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

it("refuses an inner level a host cannot run, naming it, before starting anything", () => {
  const error = thrown(() => setPlan([ssh(sshOptions(servers)), processes(2)]));
  expect(isPlanError(error)).toBe(true);
  expect((error as Error).message).toContain("processes(2)");
  expect((error as Error).message).toContain("threads(n) or sequential()");
});

it("gives every host thread the inner threads(n, { resourceLimits })", async () => {
  await setPlan([ssh(sshOptions(servers)), threads(2, { resourceLimits: { maxOldGenerationSizeMb: 48 } })]);
  const limits = await map(heapLimitMb, Array.from({ length: 20 }, (_, i) => i), { batchSize: 1 });
  // V8's limit is the old generation plus young-generation room: far below the default (GiBs).
  for (const limit of limits) expect(limit).toBeLessThan(128);
  // Without them, the same threads have the default limit.
  await setPlan([ssh(sshOptions(servers)), threads(2)]);
  for (const limit of await map(heapLimitMb, [0, 1])) expect(limit).toBeGreaterThan(256);
});

it("refuses, by name, an inner-plan option a host cannot honour", () => {
  const inner = definePlan({
    description: "threads(2, { pinToCores: true })",
    capabilities: threads(2).capabilities,
    start: () => Promise.reject(new Error("never started here")),
    spec: { backend: "threads", workers: 2, options: { pinToCores: true } },
  });
  const before = getPlan();
  const error = thrown(() => setPlan([ssh(sshOptions(servers)), inner]));
  expect(isPlanError(error)).toBe(true);
  expect((error as Error).message).toContain("pinToCores");
  expect(getPlan()).toBe(before);
});
