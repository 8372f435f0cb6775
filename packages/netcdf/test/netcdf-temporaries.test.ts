/**
 * Download directories a worker left behind when it was killed: removed
 * only when they are this host's and their owner is gone, by pid and by
 * start time (a pid reused by a later process is not the owner).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { removeOrphans } from "../dist/temporaries.js";

const root = mkdtempSync(join(tmpdir(), "orphans-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const host = hostname().replace(/[^A-Za-z0-9-]/g, "-").slice(0, 40);
const startOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]!.split(" ")[19]!;

function folder(name: string): string {
  mkdirSync(join(root, name));
  writeFileSync(join(root, name, "source.nc"), "bytes");
  return name;
}

it("removes this host's folders whose owner is gone or whose pid now names a later process, and nothing else", async () => {
  const dead = spawnSync("true").pid!;
  const sleeper = spawn("sleep", ["30"]);
  try {
    const alive = sleeper.pid!;
    const names = {
      dead: folder(`parazarr-netcdf-${dead}-${startOf(process.pid)}@${host}-aaaaaa`),
      reused: folder(`parazarr-netcdf-${alive}-1@${host}-bbbbbb`),
      alive: folder(`parazarr-netcdf-${alive}-${startOf(alive)}@${host}-cccccc`),
      self: folder(`parazarr-netcdf-${process.pid}-${startOf(process.pid)}@${host}-dddddd`),
      otherHost: folder(`parazarr-netcdf-${dead}-0@elsewhere-eeeeee`),
      // A host whose name begins with this one's and a dash: not this host.
      longerHost: folder(`parazarr-netcdf-${dead}-0@${host}-2-gggggg`),
      older: folder(`parazarr-netcdf-${dead}-ffffff`),
      unrelated: folder(`something-${dead}`),
    };
    const removed = await removeOrphans(root);
    expect(removed.sort()).toEqual([names.dead, names.reused].sort());
    for (const kept of [names.alive, names.self, names.otherHost, names.longerHost, names.older, names.unrelated]) expect(existsSync(join(root, kept))).toBe(true);
  } finally {
    sleeper.kill();
  }
});

it("a folder it cannot list leaves nothing to do and is no error", async () => {
  expect(await removeOrphans(join(root, "missing"))).toEqual([]);
});
