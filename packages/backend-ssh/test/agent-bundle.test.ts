/**
 * The agent shipped to hosts is one file: ssh's stdio transport and
 * @parazarr/remote's agent runtime inside it, the host's core.mjs outside,
 * and nothing that bundles code (esbuild stays on the coordinator).
 */
import { describe, expect, it } from "vitest";
import { bundleCore } from "@parazarr/remote";
import { bundleAgent } from "../src/agent-bundle.js";

const importsOf = (code: Buffer) => [...new Set([...code.toString().matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]!))];

describe("ssh: the agent bundle", () => {
  it("needs only Node's own modules and the host's core.mjs", async () => {
    const [agent, core] = await Promise.all([bundleAgent(), bundleCore()]);
    expect(agent.name).toBe("agent.mjs");
    expect(importsOf(agent.code).filter((specifier) => !specifier.startsWith("node:"))).toEqual([`../${core.hash}/core.mjs`]);
    const code = agent.code.toString();
    expect(code).toContain("serveAgentThread");
    expect(code).toContain("stdioTransport");
    expect(code).not.toMatch(/esbuild/);
  });
});
