/**
 * What a user gets from the registry: every package is packed with
 * `npm pack`, the tarballs are installed into a fresh folder outside the
 * workspace (from npm's cache: no network needed), and a user's script is
 * compiled there with strict tsc against the published types and run with
 * plain node. Needs `npm run build` first, like every test here.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCollection } from "./fixtures/netcdf-collection.js";

const run = promisify(execFile);
const workspace = fileURLToPath(new URL("..", import.meta.url));
const appFixture = fileURLToPath(new URL("./fixtures/pack-app", import.meta.url));
const packages = ["core", "backend-threads", "backend-processes", "remote", "backend-ssh", "backend-batch", "backend-slurm", "netcdf", "cli"];
const alsoPacked: string[] = [];
/**
 * Dependencies a package's code reaches without naming them in an import:
 * the CLI's default plan, "threads", is loaded by core's planFromString
 * (core imports @parazarr/backend-NAME by name).
 */
const loadedByName: Record<string, string[]> = { cli: ["@parazarr/backend-threads"] };
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
// The versions the workspace itself is built and tested with, so the
// install is served from npm's cache.
const workspaceVersion = (name: string) =>
  (JSON.parse(readFileSync(join(workspace, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;

interface Packed {
  name: string;
  filename: string;
  files: { path: string }[];
}

let root: string;
const packed = new Map<string, Packed>();

async function npmIn(cwd: string, args: string[]): Promise<string> {
  // npm_config_* from a parent `npm test` (workspace flags) must not leak into the user's install.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_config_")));
  const { stdout } = await run(npm, args, { cwd, env, maxBuffer: 64 * 2 ** 20 });
  return stdout;
}

/** A fresh user project depending on `deps` (tarball paths or versions), installed from the cache. */
async function userProject(name: string, deps: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  cpSync(appFixture, dir, { recursive: true });
  const devDependencies = { typescript: workspaceVersion("typescript"), "@types/node": workspaceVersion("@types/node") };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module", dependencies: deps, devDependencies }, null, 2));
  await npmIn(dir, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"]);
  return dir;
}

const tarball = (pkg: string) => join(root, "tarballs", packed.get(pkg)!.filename);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "parazarr-pack-"));
  mkdirSync(join(root, "tarballs"));
  for (const pkg of [...packages, ...alsoPacked]) {
    const out = await npmIn(join(workspace, "packages", pkg), ["pack", "--json", "--pack-destination", join(root, "tarballs")]);
    const [info] = JSON.parse(out) as Packed[];
    packed.set(pkg, info!);
  }
}, 300_000);

afterAll(() => {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe("npm pack", () => {
  it.each(packages)("%s ships its built code, types, README and LICENSE, and no tests", (pkg) => {
    const files = packed.get(pkg)!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts"]));
    expect(files.filter((f) => f.startsWith("test/") || f.includes(".test."))).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(workspace, "packages", pkg, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).toMatchObject({ license: "MIT", engines: { node: ">=20.12" }, repository: { directory: `packages/${pkg}` } });
  });
  it.each(packages)("%s declares only dependencies its built code imports", (pkg) => {
    const manifest = JSON.parse(readFileSync(join(workspace, "packages", pkg, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const code = packed
      .get(pkg)!
      .files.filter((f) => f.path.startsWith("dist/") && f.path.endsWith(".js"))
      .map((f) => readFileSync(join(workspace, "packages", pkg, f.path), "utf8"))
      .join("\n");
    const declared = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    const unused = declared.filter((dep) => !new RegExp(`(from |import\\()"${dep}(/[^"]*)?"`).test(code) && !(loadedByName[pkg] ?? []).includes(dep));
    expect(unused).toEqual([]);
  });
});

describe("tarballs installed outside the workspace", () => {
  it("core alone: a sequential map and a Zarr write and read, without any backend's dependencies", async () => {
    const dir = await userProject("core-only", { "@parazarr/core": tarball("core") });
    for (const absent of ["piscina", "ssh2", "esbuild", "@parazarr/backend-threads"]) {
      expect(existsSync(join(dir, "node_modules", absent)), absent).toBe(false);
    }
    writeFileSync(join(dir, "tsconfig.json"), readFileSync(join(dir, "tsconfig.json"), "utf8").replace('"include": ["*.ts"]', '"files": ["core-only.ts"]'));
    await run(join(dir, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: dir });
    const { stdout } = await run(process.execPath, ["dist/core-only.js"], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ squares: [25, 36], data: [0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33] });
  }, 300_000);

  it("core with the backends: strict tsc against the published types, then threads, processes and Zarr I/O", async () => {
    const dir = await userProject("with-backends", Object.fromEntries(packages.filter((p) => p !== "cli").map((p) => [`@parazarr/${p}`, tarball(p)])));
    // One core for the caller and every backend: backends take it as a peer.
    const { stdout: tree } = await run(npm, ["ls", "@parazarr/core", "--all", "--parseable"], { cwd: dir });
    expect(tree.trim().split("\n")).toEqual([join(dir, "node_modules/@parazarr/core")]);

    await run(join(dir, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], { cwd: dir });
    const { stdout } = await run(process.execPath, ["dist/main.js"], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({
      squares: [1, 4, 9, 16],
      processPids: 2,
      callerPid: false,
      chunksWritten: 12,
      readShape: [20, 30],
      same: true,
      sshPlan: expect.stringMatching(/^ssh\(/),
      guard: false,
    });
  }, 300_000);

  it("the CLI: npx parazarr converts a NetCDF collection on its default plan, and names the package a missing plan needs", async () => {
    const cli = ["core", "backend-threads", "netcdf", "cli"];
    const dir = await userProject("with-cli", Object.fromEntries(cli.map((p) => [`@parazarr/${p}`, tarball(p)])));
    const nc = join(root, "cli-nc");
    await makeCollection(nc, { files: 3, period: { days: 5 }, nlat: 4, nlon: 5, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
    const npx = process.platform === "win32" ? "npx.cmd" : "npx";
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_config_")));
    const { stdout } = await run(npx, ["--no-install", "parazarr", "convert", join(nc, "*.nc"), "out.zarr", "--json"], { cwd: dir, env });
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "summary", ok: true, files: 3, timeSteps: 15 });
    const missing = await run(npx, ["--no-install", "parazarr", "status", "out.zarr", "--plan", "processes:2"], { cwd: dir, env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    // status runs no task: it needs no plan, so a plan it cannot load is no error there; convert's is.
    expect(missing).toBeUndefined();
    const refused = await run(npx, ["--no-install", "parazarr", "validate", "out.zarr", "--plan", "processes:2"], { cwd: dir, env }).then(
      () => expect.fail("a plan whose package is missing was accepted"),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("install it with: npm install @parazarr/backend-processes");
  }, 300_000);
});
