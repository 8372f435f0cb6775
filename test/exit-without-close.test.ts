/**
 * The README's promise: a script that never calls close() exits promptly,
 * on every plan. Each case runs a real script in a child process and
 * waits for it to end by itself.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSshServers, type SshServers } from "./fixtures/sshd.mjs";

const SCRIPT = fileURLToPath(new URL("./fixtures/maps-without-close.mjs", import.meta.url));
// Far below what a stuck script takes (ssh: 240 s until it was killed),
// far above a cold start of every plan on a loaded machine.
const EXIT_WITHIN_MS = 30_000;

let servers: SshServers;
beforeAll(async () => {
  servers = await startSshServers(2);
});
afterAll(() => servers.stop());

function runScript(plan: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, plan], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } });
    let stdout = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the script on ${plan} did not exit within ${EXIT_WITHIN_MS} ms; it printed ${JSON.stringify(stdout)}`));
    }, EXIT_WITHIN_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, ms: performance.now() - started });
    });
  });
}

describe("a script that maps and never calls close()", () => {
  it.each(["sequential", "threads", "processes", "ssh"])("exits by itself, with its results, on %s", async (plan) => {
    const env: Record<string, string> =
      plan === "ssh"
        ? {
            PARAZARR_TEST_SSH_OPTIONS: JSON.stringify({
              hosts: servers.hosts,
              privateKey: servers.clientKey,
              knownHosts: servers.knownHosts,
              remoteDir: join(servers.dir, "remote"),
            }),
          }
        : {};
    const { code, stdout } = await runScript(plan, env);
    expect(stdout.trim()).toBe("[0,1,4,9,16,25,36,49]");
    expect(code).toBe(0);
  });
});
