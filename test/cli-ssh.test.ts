/**
 * `parazarr convert` and `validate` on two SSH hosts (two loopback sshd
 * servers, sharing this machine's file system), named on the command line
 * only: `--plan ssh:HOSTS,key=…,known-hosts=…,shared=…`. The CLI knows no
 * ssh option; @parazarr/backend-ssh parses its own plan string.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { makeCollection, type CollectionFile } from "./fixtures/netcdf-collection.js";
import { compareWithMfdataset } from "./fixtures/compare-mfdataset.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { ndjson, parazarr } from "./fixtures/cli.js";
import { startSshServers, type SshServers } from "../packages/backend-ssh/test/fixtures/servers.js";

const dirs = tempDirs();
let servers: SshServers;
let files: CollectionFile[];
let nc: string;

beforeAll(async () => {
  servers = await startSshServers(2);
  nc = dirs.temp("cli-ssh-nc");
  files = await makeCollection(nc, { files: 4, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
}, 180_000);
afterAll(async () => {
  await servers?.stop();
  dirs.removeAll();
});

const plan = () => `ssh:${servers.hosts.join(",")},key=${servers.clientKey},known-hosts=${servers.knownHosts},shared=${tmpdir()},workers=1`;

describe("the CLI on ssh", () => {
  it("converts on two hosts, resumes, and validates there", async () => {
    const cwd = dirs.temp("cli-ssh");
    // The agent of the session running the tests is not the test servers' key holder.
    const env = { SSH_AUTH_SOCK: undefined };
    const first = await parazarr(["convert", join(nc, "*.nc"), "ssh.zarr", "--plan", plan(), "--chunks", "time=5", "--json"], { cwd, env });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const events = ndjson(first.stdout);
    expect(String(events[0]!.plan)).toMatch(/^ssh\(root@127\.0\.0\.1:\d+, root@127\.0\.0\.1:\d+, 1 workers each\)$/);
    expect(events.at(-1)).toMatchObject({ event: "summary", ok: true, files: 4, tasks: { total: 8, written: 8 } });
    const report = await compareWithMfdataset(join(cwd, "ssh.zarr"), files.map((f) => f.path));
    expect(report.differences).toEqual([]);

    const again = await parazarr(["convert", join(nc, "*.nc"), "ssh.zarr", "--plan", plan(), "--chunks", "time=5", "--json"], { cwd, env });
    expect(ndjson(again.stdout).at(-1)).toMatchObject({ event: "summary", ok: true, tasks: { total: 8, written: 0, skipped: 8 } });

    const validate = await parazarr(["validate", "ssh.zarr", "--plan", plan(), "--json"], { cwd, env });
    expect(validate.code).toBe(0);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, checked: { chunks: 8 } });
  }, 240_000);
});
