/** Bundling what is shipped: one self-contained file per module, named by its content. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskBundler, bundleAgent } from "../src/bundle.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parazarr-bundle-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("bundles", () => {
  it("ship the agent as one file that needs only Node's own modules", async () => {
    const agent = await bundleAgent();
    expect(agent.name).toBe("agent.mjs");
    expect(agent.hash).toMatch(/^[0-9a-f]{16}$/);
    const imports = [...agent.code.toString().matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(imports.every((specifier) => specifier!.startsWith("node:"))).toBe(true);
  });

  it("leave a dynamic import of a package that is not installed for run time, instead of failing", async () => {
    const file = join(dir, "optional.mjs");
    await writeFile(file, 'export async function load() { return import("parazarr-no-such-package"); }\nexport const answer = 42;\n');
    const bundle = await new TaskBundler().bundle(pathToFileURL(file).href);
    expect(bundle.name).toBe("optional.mjs");
    expect(bundle.code.toString()).toContain('import("parazarr-no-such-package")');
  });

  it("name a module that cannot be bundled, with esbuild's reason", async () => {
    const file = join(dir, "broken.mjs");
    await writeFile(file, 'import { nothing } from "parazarr-no-such-package";\nexport const x = nothing;\n');
    await expect(new TaskBundler().bundle(pathToFileURL(file).href)).rejects.toThrow(/broken\.mjs.*parazarr-no-such-package/);
  });

  it("give the same hash to the same code", async () => {
    const file = join(dir, "same.mjs");
    await writeFile(file, "export const one = 1;\n");
    const [a, b] = await Promise.all([new TaskBundler().bundle(pathToFileURL(file).href), new TaskBundler().bundle(pathToFileURL(file).href)]);
    expect(a.hash).toBe(b.hash);
  });
});
