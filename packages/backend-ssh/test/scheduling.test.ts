/**
 * Pull scheduling: a host gets a batch only when it has a free slot, so a
 * slow host simply gets less of the work.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { map, sequential, setPlan } from "@parazarr/core";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { slowOn } from "./fixtures/tasks.js";

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(2);
});
afterAll(async () => {
  await setPlan(sequential());
  await servers.stop();
});

it("gives a slow host less work", async () => {
  await setPlan(ssh(sshOptions(servers, { workersPerHost: 2 })));
  const slowHost = servers.hosts[0]!;
  const inputs = Array.from({ length: 400 }, (_, index) => ({ slowHost, index }));
  const ranOn = await map(slowOn, inputs, { batchSize: 2 });
  const onSlow = ranOn.filter((worker) => worker.startsWith(`${slowHost} `)).length;
  // Twelve times slower per task: an even split would give it 200.
  expect(onSlow).toBeGreaterThan(0);
  expect(onSlow).toBeLessThan(80);
});
