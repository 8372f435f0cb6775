/**
 * Cancelling a map stops its running tasks: through the task's signal, and
 * for a task that ignores it, by ending its thread after a grace period.
 * The plan stays usable, on the same workers where it could.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { isAbortError, map, sequential, setPlan } from "@parazarr/core";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { slowSquare, stubbornSleep } from "./fixtures/tasks.js";

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(1);
});
afterAll(async () => {
  await setPlan(sequential());
  await servers.stop();
});

it("ends the thread of a task that ignores its cancel signal, and goes on", async () => {
  await setPlan(ssh(sshOptions(servers, { workersPerHost: 2 })));
  expect(await map(slowSquare, [1, 2, 3])).toEqual([1, 4, 9]);
  const markFile = join(servers.dir, "stubborn-mark");
  const controller = new AbortController();
  const running = map(stubbornSleep, [{ ms: 4_000, markFile }], { signal: controller.signal });
  setTimeout(() => controller.abort(), 300);
  expect(isAbortError(await running.catch((e: unknown) => e))).toBe(true);
  // Past the task's own end: had its thread not been ended, the mark would be there.
  await sleep(4_500);
  expect(existsSync(markFile)).toBe(false);
  expect(await map(slowSquare, [4, 5, 6, 7])).toEqual([16, 25, 36, 49]);
});
