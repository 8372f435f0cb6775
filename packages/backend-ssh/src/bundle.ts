/**
 * What gets shipped to hosts, bundled with esbuild into one ESM file each:
 * core (`core.mjs`), the agent, and every task or set-up module a plan runs
 * (with its dependencies), so hosts need nothing but Node.js. A bundle's
 * name on the host carries its content hash: unchanged code is never
 * uploaded twice.
 *
 * One copy of core serves the agent and every module on a host. The agent
 * and each task bundle leave `@parazarr/core` (any file of core's dist)
 * out and import `../<core hash>/core.mjs` instead, which sits next to them
 * under the same remote directory. With a copy of core inside each task
 * bundle, a task that called `read` ran core's own read task from its copy,
 * declared at the task bundle's URL, which exports no such task: "module
 * …/tasks.mjs does not export it under that name". Set-up modules need it
 * too: a codec must be registered in the core that decodes.
 *
 * Core and the agent are bundled at run time, not at build time, so that a
 * host always runs the core the coordinator runs: an agent built against
 * another core version could speak another protocol.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, sep } from "node:path";
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

/** Where core's built files are: every module under it is core. */
const CORE_DIST = realpathSync(dirname(createRequire(import.meta.url).resolve("@parazarr/core")));

/**
 * core.mjs: core's public API, its worker and backend subpaths, and core's
 * own Zarr tasks (which import core's private modules, so they must live
 * inside the one copy). Names shared by the subpaths are the same bindings.
 */
const CORE_PARTS = ["index.js", "worker/index.js", "backend-api.js", "zarr/tasks.js", "convert/tasks.js"];
const CORE_ENTRY = CORE_PARTS.map((part) => `export * from ${JSON.stringify(join(CORE_DIST, part))};`).join("\n");

/** Whether a local module is part of core.mjs: a task ref to it is sent as core.mjs on the host. */
export function isCoreModule(moduleUrl: string): boolean {
  if (!moduleUrl.startsWith("file:")) return false;
  const path = realPath(fileURLToPath(moduleUrl));
  return CORE_PARTS.some((part) => path === join(CORE_DIST, part));
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

interface ResolvePolicy {
  /** The import that replaces every file of core's dist; undefined while bundling core itself. */
  readonly coreImport: string | undefined;
}

/**
 * Two resolution rules in one plugin (two plugins that each re-resolve
 * through `build.resolve` would call each other for ever):
 *
 * - With `coreImport`, any import that resolves into core's dist becomes
 *   that external import: one core per host, see above.
 * - An optional dependency loaded with `await import("pkg")` (core's S3
 *   store loads @aws-sdk/client-s3 that way) may not be installed. esbuild
 *   would refuse the whole bundle; instead such an import is left as it is,
 *   so it fails on the host only if it runs — as it would here.
 */
function resolvePlugin({ coreImport }: ResolvePolicy): import("esbuild").Plugin {
  const again = Symbol("parazarr-resolve-again");
  return {
    name: "parazarr-resolve",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point" || args.pluginData === again) return undefined;
        if (coreImport === undefined && !(args.kind === "dynamic-import" && /^[^./]/.test(args.path))) return undefined;
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: again,
        });
        if (resolved.errors.length > 0) {
          const optional = args.kind === "dynamic-import" && /^[^./]/.test(args.path);
          return optional ? { path: args.path, external: true } : undefined;
        }
        if (coreImport !== undefined && (resolved.path === CORE_DIST || resolved.path.startsWith(CORE_DIST + sep))) {
          return { path: coreImport, external: true };
        }
        return undefined;
      });
    },
  };
}

type Entry = { readonly path: string } | { readonly contents: string };

async function bundleFile(entry: Entry, name: string, policy: ResolvePolicy): Promise<Bundle> {
  const esbuild: Esbuild = await import("esbuild");
  const result = await esbuild.build({
    ...("path" in entry
      ? { entryPoints: [entry.path] }
      : { stdin: { contents: entry.contents, resolveDir: CORE_DIST, sourcefile: "parazarr-core.mjs", loader: "js" as const } }),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    write: false,
    logLevel: "silent",
    legalComments: "none",
    banner: { js: REQUIRE_SHIM },
    plugins: [resolvePlugin(policy)],
  });
  const output = result.outputFiles[0];
  if (output === undefined) throw new Error(`esbuild produced no output for ${name}`);
  const code = Buffer.from(output.contents);
  return { name, code, hash: createHash("sha256").update(code).digest("hex").slice(0, 16) };
}

/** How a bundle next to core.mjs (in a sibling `<hash>/` directory) imports it. */
function coreImportOf(core: Bundle): string {
  return `../${core.hash}/${core.name}`;
}

function once(make: () => Promise<Bundle>): () => Promise<Bundle> {
  let made: Promise<Bundle> | undefined;
  return () => {
    if (made === undefined) {
      made = make();
      made.catch(() => (made = undefined));
    }
    return made;
  };
}

/** Core, bundled once per process: the one copy every module on a host imports. */
export const bundleCore = once(() => bundleFile({ contents: CORE_ENTRY }, "core.mjs", { coreImport: undefined }));

/** The agent, bundled once per process; it imports core.mjs. */
export const bundleAgent = once(async () =>
  bundleFile({ path: fileURLToPath(new URL("./agent/main.js", import.meta.url)) }, "agent.mjs", {
    coreImport: coreImportOf(await bundleCore()),
  }),
);

/** Task and set-up modules, bundled once per started plan (a restarted plan picks up edited code); core's own modules are core.mjs. */
export class TaskBundler {
  readonly #bundles = new Map<string, Promise<Bundle>>();

  bundle(moduleUrl: string): Promise<Bundle> {
    // core's own task modules are inside core.mjs: their tasks must be the ones that copy declares.
    if (isCoreModule(moduleUrl)) return bundleCore();
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
    const coreImport = coreImportOf(await bundleCore());
    try {
      return await bundleFile({ path }, `${basename(path, extname(path))}.mjs`, { coreImport });
    } catch (error) {
      const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
      const reason = errors?.length
        ? errors.slice(0, 3).map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join("; ")
        : (error as Error).message;
      throw new ModuleBundleError(moduleUrl, reason);
    }
  }
}
