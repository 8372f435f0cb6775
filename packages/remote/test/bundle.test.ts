/** Bundling what is shipped: one self-contained file per module, named by its content. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TaskBundler, bundleCore, bundleEntry, isModuleBundleError } from "@parazarr/remote";

const importsOf = (code: Buffer) => [...new Set([...code.toString().matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]!))];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "parazarr-bundle-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("bundles", () => {
  it("ship core as one file that needs only Node's own modules, and an entry as one that needs only core", async () => {
    const core = await bundleCore();
    expect(core.name).toBe("core.mjs");
    expect(importsOf(core.code).every((specifier) => specifier.startsWith("node:"))).toBe(true);
    // The entry imports @parazarr/remote/agent: the agent runtime is inside it, core is not.
    const entryPath = fileURLToPath(new URL("./fixtures/agent-entry.ts", import.meta.url));
    const entry = await bundleEntry(entryPath, "agent.mjs");
    expect(entry.name).toBe("agent.mjs");
    expect(entry.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(importsOf(entry.code).filter((specifier) => !specifier.startsWith("node:"))).toEqual([`../${core.hash}/core.mjs`]);
    expect(entry.code.toString()).toContain("serveAgentThread");
    expect(await bundleEntry(entryPath, "agent.mjs")).toBe(entry);
  });

  it("give a task module the destination's one core instead of a copy of its own", async () => {
    // The remote tests' own task module imports @parazarr/core as users do.
    const bundle = await new TaskBundler().bundle(new URL("./fixtures/tasks.ts", import.meta.url).href);
    const core = await bundleCore();
    expect(importsOf(bundle.code).filter((specifier) => !specifier.startsWith("node:"))).toEqual([`../${core.hash}/core.mjs`]);
    expect(bundle.code.length).toBeLessThan(core.code.length / 20);
  });

  it("send core's own Zarr tasks as core.mjs itself", async () => {
    const zarrTasks = new URL("./zarr/tasks.js", import.meta.resolve("@parazarr/core")).href;
    expect(await new TaskBundler().bundle(zarrTasks)).toBe(await bundleCore());
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
    const error = await new TaskBundler().bundle(pathToFileURL(file).href).catch((e: unknown) => e);
    expect(isModuleBundleError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^cannot bundle task module file:.*broken\.mjs to ship it to remote workers: .*broken\.mjs.*parazarr-no-such-package/);
  });

  it("give the same hash to the same code", async () => {
    const file = join(dir, "same.mjs");
    await writeFile(file, "export const one = 1;\n");
    const [a, b] = await Promise.all([new TaskBundler().bundle(pathToFileURL(file).href), new TaskBundler().bundle(pathToFileURL(file).href)]);
    expect(a.hash).toBe(b.hash);
  });
});
