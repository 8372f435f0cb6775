/**
 * What gets shipped to hosts, bundled with esbuild into one ESM file each:
 * the agent (core's worker runtime included) and every task module a plan
 * runs (with its dependencies), so hosts need nothing but Node.js. A
 * bundle's name on the host carries its content hash: unchanged code is
 * never uploaded twice.
 *
 * The agent is bundled at run time, not at build time, so that it always
 * embeds the core the coordinator runs: an agent built against another
 * core version could speak another protocol.
 */
import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { fileURLToPath } from "node:url";

export interface Bundle {
  /** File name on the host (`agent.mjs`, `tasks.mjs`). */
  readonly name: string;
  /** First 16 hex digits of the SHA-256 of `code`. */
  readonly hash: string;
  readonly code: Buffer;
}

/** A task module that cannot be turned into a bundle: a problem of the code, not of a host. */
export class ModuleBundleError extends Error {
  readonly _tag = "ModuleBundleError" as const;
  constructor(
    readonly moduleUrl: string,
    reason: string,
  ) {
    super(`ssh: cannot bundle task module ${moduleUrl} to ship it to the hosts: ${reason}`);
    this.name = "ModuleBundleError";
  }
}

// Bundled CommonJS dependencies call require() for Node built-ins, which
// an ESM bundle lacks; esbuild's shim throws "Dynamic require … is not
// supported" without one.
const REQUIRE_SHIM =
  'import { createRequire as __parazarrCreateRequire } from "node:module";\n' +
  "const require = __parazarrCreateRequire(import.meta.url);";

type Esbuild = typeof import("esbuild");

/**
 * An optional dependency loaded with `await import("pkg")` (core's S3
 * store loads @aws-sdk/client-s3 that way) may not be installed. esbuild
 * would refuse the whole bundle; instead such an import is left as it is,
 * so it fails on the host only if it runs — as it would here.
 */
const leaveMissingDynamicImports: import("esbuild").Plugin = {
  name: "parazarr-leave-missing-dynamic-imports",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.kind !== "dynamic-import" || args.pluginData === leaveMissingDynamicImports) return undefined;
      const resolved = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: leaveMissingDynamicImports,
      });
      return resolved.errors.length > 0 ? { path: args.path, external: true } : undefined;
    });
  },
};

async function bundleFile(entryPath: string, name: string): Promise<Bundle> {
  const esbuild: Esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entryPath],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "silent",
    legalComments: "none",
    banner: { js: REQUIRE_SHIM },
    plugins: [leaveMissingDynamicImports],
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${entryPath}`);
  const code = Buffer.from(output.contents);
  return { name, code, hash: createHash("sha256").update(code).digest("hex").slice(0, 16) };
}

let agentBundle: Promise<Bundle> | undefined;

/** The agent, bundled once per process. */
export function bundleAgent(): Promise<Bundle> {
  if (agentBundle === undefined) {
    agentBundle = bundleFile(fileURLToPath(new URL("./agent/main.js", import.meta.url)), "agent.mjs");
    agentBundle.catch(() => (agentBundle = undefined));
  }
  return agentBundle;
}

/** Task modules, bundled once per started plan (a restarted plan picks up edited code). */
export class TaskBundler {
  readonly #bundles = new Map<string, Promise<Bundle>>();

  bundle(moduleUrl: string): Promise<Bundle> {
    let bundle = this.#bundles.get(moduleUrl);
    if (bundle === undefined) {
      bundle = this.#bundle(moduleUrl);
      this.#bundles.set(moduleUrl, bundle);
      bundle.catch(() => this.#bundles.delete(moduleUrl));
    }
    return bundle;
  }

  async #bundle(moduleUrl: string): Promise<Bundle> {
    if (!moduleUrl.startsWith("file:")) {
      throw new ModuleBundleError(moduleUrl, "only file: modules can be shipped (declare the task in a local file)");
    }
    const path = fileURLToPath(moduleUrl);
    try {
      return await bundleFile(path, `${basename(path, extname(path))}.mjs`);
    } catch (error) {
      const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
      const reason = errors?.length
        ? errors.slice(0, 3).map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("; ")
        : (error as Error).message;
      throw new ModuleBundleError(moduleUrl, reason);
    }
  }
}
