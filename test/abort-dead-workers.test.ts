/**
 * Ctrl-C at a terminal signals the whole process group: the processes
 * plan's workers die at the moment the caller aborts its map. The map must
 * reject with AbortError and close() resolve, so the caller exits with its
 * own code (130), not with Node's 13 for a top-level await left unsettled.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./fixtures/abort-with-dead-workers.mjs", import.meta.url));

describe("an aborted map whose workers were all killed at that moment (processes)", () => {
  it("rejects with AbortError, closes, and lets the caller exit with its own code", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = execFile(process.execPath, [SCRIPT], { timeout: 60_000 }, (error, out) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: child.exitCode, stdout: out });
      });
    });
    expect(stdout).toBe("rejected: AbortError\nclosed\n");
    expect(code).toBe(130);
  }, 90_000);
});
