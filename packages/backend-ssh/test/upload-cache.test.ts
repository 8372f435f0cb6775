/**
 * What is shipped lands under `<remoteDir>/<content-hash>/`, written
 * atomically, and a second run against the same hosts uploads nothing:
 * the files keep their inode and mtime (a re-upload renames a new file
 * into place, which changes the inode).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { map, withPlan } from "@parazarr/core";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";
import { noisySquare, whereAmI } from "./fixtures/tasks.js";
import { captureStderr } from "../../../test/fixtures/expected-output.js";

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(2);
});
afterAll(() => servers.stop());

/** Every file under the remote dir, with its inode and mtime. */
function shipped(remoteDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const hash of readdirSync(remoteDir)) {
    for (const name of readdirSync(join(remoteDir, hash))) {
      const stat = statSync(join(remoteDir, hash, name));
      files.set(`${hash}/${name}`, `${stat.ino}:${stat.mtimeMs}`);
    }
  }
  return files;
}

describe("ssh: shipping code", () => {
  it("uploads core, the agent and the task module once, then skips them on the next run", async () => {
    const remoteDir = join(servers.dir, "remote-cache");
    const run = async () => {
      const plan = ssh(sshOptions(servers, { remoteDir, workersPerHost: 1 }));
      const result = await withPlan(plan, () => map(whereAmI, [1, 2, 3, 4]));
      await plan.close();
      return result;
    };
    await run();
    const first = shipped(remoteDir);
    // Core, the agent and the bundled task module, each in a directory named by its hash; no temp file left.
    expect([...first.keys()].map((k) => k.replace(/^[0-9a-f]{16}\//, "<hash>/")).sort()).toEqual([
      "<hash>/agent.mjs",
      "<hash>/core.mjs",
      "<hash>/tasks.mjs",
    ]);
    await run();
    expect(shipped(remoteDir)).toEqual(first);
  });

  it("leaves no agent running after close()", async () => {
    const plan = ssh(sshOptions(servers, { workersPerHost: 1 }));
    const seen = await withPlan(plan, () => map(whereAmI, Array.from({ length: 8 }, (_, i) => i), { batchSize: 1 }));
    const agents = [...new Set(seen.map((s) => s.pid))];
    expect(agents).toHaveLength(2);
    for (const pid of agents) expect(existsSync(`/proc/${pid}`)).toBe(true);
    await plan.close();
    for (let i = 0; i < 100 && agents.some((pid) => existsSync(`/proc/${pid}`)); i++) await sleep(50);
    for (const pid of agents) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it("keeps a task's console output off the agent's frames, and shows it on the caller's stderr by host", async () => {
    const plan = ssh(sshOptions(servers, { workersPerHost: 1 }));
    const stderr = captureStderr();
    try {
      expect(await withPlan(plan, () => map(noisySquare, [1, 2, 3, 4, 5, 6]))).toEqual([1, 4, 9, 16, 25, 36]);
      // Output travels on the session's stderr, results on its stdout: the
      // last lines may land just after the last result. Wait, bounded.
      for (let i = 0; i < 100 && stderr.text.trim().split("\n").length < 6; i++) await sleep(50);
    } finally {
      stderr.restore();
      await plan.close();
    }
    const lines = stderr.text.trim().split("\n").sort((a, b) => a.slice(-1).localeCompare(b.slice(-1)));
    expect(lines).toHaveLength(6);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^\\[ssh [^\\]]+\\] noisy ${i + 1}$`)));
  });
});
