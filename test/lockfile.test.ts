/**
 * `npm ci` on npm 11 refuses a lockfile that lacks any platform's optional
 * package ("Missing: @nx/nx-darwin-arm64 … from lock file"); npm 10 (≥ 10.3)
 * writes such lockfiles when it regenerates one with a node_modules present
 * (npm/cli#7961). This catches that lockfile before CI on another platform does.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

interface Entry {
  version?: string;
  optionalDependencies?: Record<string, string>;
  link?: boolean;
}

const lock = JSON.parse(readFileSync(fileURLToPath(new URL("../package-lock.json", import.meta.url)), "utf8")) as {
  lockfileVersion: number;
  packages: Record<string, Entry>;
};

/** Where npm would find `name` from the package at `at`: its own node_modules, then each parent's. */
function resolves(at: string, name: string): boolean {
  for (let dir = at; ; ) {
    if (`${dir === "" ? "" : `${dir}/`}node_modules/${name}` in lock.packages) return true;
    if (dir === "") return false;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

describe("package-lock.json", () => {
  it("is lockfile version 3, without registry URLs (npm takes them from the configured registry; see .npmrc)", () => {
    expect(lock.lockfileVersion).toBe(3);
    const withUrl = Object.entries(lock.packages).filter(([, e]) => (e as { resolved?: string }).resolved?.startsWith("http"));
    expect(withUrl.map(([path]) => path)).toEqual([]);
  });

  it("holds every platform's optional packages, so npm ci accepts it on npm 10 and 11 alike", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolves(path, name)) missing.push(`${name} (optional dependency of ${path || "the root"})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
