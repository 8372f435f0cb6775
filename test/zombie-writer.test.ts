/**
 * A writer that died but was never reaped (a zombie: its parent, often a
 * container's PID 1, does not wait for it) is dead: its temporaries are
 * removed and its claims taken over. Its /proc entry and start time stay as
 * they were, so a check by pid and start time alone took it for alive.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { processStart } from "../packages/core/dist/zarr/stores/temp-files.js";

function stateOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.[0];
  } catch {
    return undefined;
  }
}

describe.runIf(process.platform === "linux")("a zombie writer", () => {
  it("is gone for processStart, though kill(pid, 0) still finds it", async () => {
    // sh starts a short sleep in the background, then becomes a long sleep, which never reaps it.
    const parent = spawn("sh", ["-c", "sleep 0.2 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout.once("data", (d) => resolve(Number(String(d).trim()))));
      expect(processStart(zombie)).toBeDefined();
      for (let i = 0; i < 100 && stateOf(zombie) !== "Z"; i++) await new Promise((r) => setTimeout(r, 50));
      expect(stateOf(zombie)).toBe("Z");
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(processStart(zombie)).toBeUndefined();
    } finally {
      parent.kill("SIGKILL");
    }
  });
});
