/**
 * A worker's stderr reaches the caller's with this process's credentials cut
 * out, even when a secret arrives split across two chunks.
 */
import { afterEach, describe, expect, it } from "vitest";
import { StderrForward } from "../dist/stderr-forward.js";

const secret = "canary-stderr-secret-0123456789";
const saved = process.env.AWS_SESSION_TOKEN;
afterEach(() => {
  if (saved === undefined) delete process.env.AWS_SESSION_TOKEN;
  else process.env.AWS_SESSION_TOKEN = saved;
});

describe("StderrForward", () => {
  it("scrubs a secret split across chunks, and passes other text on unchanged", () => {
    process.env.AWS_SESSION_TOKEN = secret;
    const written: string[] = [];
    const forward = new StderrForward((text) => written.push(text));
    forward.add("progress 1/2\nError: token canary-stderr-");
    forward.add(Buffer.from("secret-0123456789 is invalid\n    at task (x.mjs:1:1)\n"));
    forward.add("no newline yet");
    forward.flush();
    expect(written.join("")).toBe("progress 1/2\nError: token [redacted] is invalid\n    at task (x.mjs:1:1)\nno newline yet");
  });
});
