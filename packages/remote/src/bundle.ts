/**
 * What gets shipped to remote workers (an SSH host, a Batch child), bundled
 * with esbuild into one ESM file each: core (`core.mjs`), the backend's
 * entry (ssh's agent.mjs, batch's child.mjs), and every task or set-up
 * module a plan runs (with its dependencies), so a worker needs nothing but
 * Node.js. A bundle's name at its destination carries its content hash:
 * unchanged code is never uploaded twice (see shipper.ts).
 *
 * One copy of core serves the entry and every module at a destination. The
 * entry and each task bundle leave `@parazarr/core` (any file of core's
 * dist) out and import `../<core hash>/core.mjs` instead, which sits next
 * to them under the same base (a directory, an S3 prefix). Everything else
 * an entry imports — this package's agent runtime too — is inside it. With a copy of core inside each task
 * bundle, a task that called `read` ran core's own read task from its copy,
 * declared at the task bundle's URL, which exports no such task: "module
 * …/tasks.mjs does not export it under that name". Set-up modules need it
 * too: a codec must be registered in the core that decodes.
 *
 * Core and the entries are bundled at run time, not at build time, so that
 * a worker always runs the core the coordinator runs: an agent built
 * against another core version could speak another protocol.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, extname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

export interface Bundle {
  /** File name at the destination (`agent.mjs`, `tasks.mjs`). */
  readonly name: string;
  /** First 16 hex digits of the SHA-256 of `code`. */
  readonly hash: string;
  readonly code: Buffer;
}

/** A task module that cannot be turned into a bundle: a problem of the code, not of a host or a store. */
export class ModuleBundleError extends Error {
  readonly _tag = "ModuleBundleError" as const;
  constructor(
    readonly moduleUrl: string,
    reason: string,
  ) {
    super(`cannot bundle task module ${moduleUrl} to ship it to remote workers: ${reason}`);
    this.name = "ModuleBundleError";
  }
}

export const isModuleBundleError = (error: unknown): error is ModuleBundleError =>
  error instanceof Error && (error as { _tag?: unknown })._tag === "ModuleBundleError";

// Bundled CommonJS dependencies call require() for Node built-ins, which
// an ESM bundle lacks; esbuild's shim throws "Dynamic require … is not
// supported" without one.
const REQUIRE_SHIM =
  'import { createRequire as __parazarrCreateRequire } from "node:module";\n' +
  "const require = __parazarrCreateRequire(import.meta.url);";

type Esbuild = typeof import("esbuild");

let coreDist: string | undefined;

/**
 * Where core's built files are: every module under it is core. Looked up
 * on first use, not at import: a module of this package that an entry
 * bundles (the agent runtime) must not need @parazarr/core installed.
 */
function coreDistDir(): string {
  coreDist ??= realpathSync(dirname(createRequire(import.meta.url).resolve("@parazarr/core")));
  return coreDist;
}

/**
 * core.mjs: core's public API, its worker and backend subpaths, and core's
 * own Zarr tasks (which import core's private modules, so they must live
 * inside the one copy). Names shared by the subpaths are the same bindings.
 */
const CORE_PARTS = ["index.js", "worker/index.js", "backend-api.js", "zarr/tasks.js", "convert/tasks.js"];
const coreEntry = () => CORE_PARTS.map((part) => `export * from ${JSON.stringify(join(coreDistDir(), part))};`).join("\n");

/** Whether a local module is part of core.mjs: a task ref to it is shipped as core.mjs. */
export function isCoreModule(moduleUrl: string): boolean {
  if (!moduleUrl.startsWith("file:")) return false;
  const path = realPath(fileURLToPath(moduleUrl));
  return CORE_PARTS.some((part) => path === join(coreDistDir(), part));
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
 *   that external import: one core per destination, see above.
 * - An optional dependency loaded with `await import("pkg")` (core's S3
 *   store loads @aws-sdk/client-s3 that way) may not be installed. esbuild
 *   would refuse the whole bundle; instead such an import is left as it is,
 *   so it fails on the worker only if it runs — as it would here.
 */
function resolvePlugin({ coreImport }: ResolvePolicy): import("esbuild").Plugin {
  const again = Symbol("parazarr-resolve-again");
  return {
    name: "parazarr-resolve",
    setup(build) {
      const dist = coreDistDir();
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
        if (coreImport !== undefined && (resolved.path === dist || resolved.path.startsWith(dist + sep))) {
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
      : { stdin: { contents: entry.contents, resolveDir: coreDistDir(), sourcefile: "parazarr-core.mjs", loader: "js" as const } }),
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

/** Core, bundled once per process: the one copy every module at a destination imports. */
export const bundleCore = once(() => bundleFile({ contents: coreEntry() }, "core.mjs", { coreImport: undefined }));

const entries = new Map<string, () => Promise<Bundle>>();

/**
 * A backend's entry (ssh's agent, batch's child), bundled once per process
 * and path: one file, named `name`, holding everything it imports but core,
 * which it imports as `../<core hash>/core.mjs`. Bundling errors are
 * esbuild's, as they are: an entry is the backend's own code, not the user's.
 */
export function bundleEntry(path: string, name: string): Promise<Bundle> {
  let bundle = entries.get(path);
  if (bundle === undefined) {
    bundle = once(async () => bundleFile({ path }, name, { coreImport: coreImportOf(await bundleCore()) }));
    entries.set(path, bundle);
  }
  return bundle();
}

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
