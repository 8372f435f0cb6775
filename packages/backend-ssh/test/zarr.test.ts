/**
 * The Zarr script a user runs on threads(8) runs unchanged on ssh hosts:
 * the store it leaves and the arrays it reads are byte-identical to
 * sequential(). (The hosts share this machine's filesystem, as hosts
 * sharing an NFS mount would; the plan says so with `sharedFilesystem`.)
 * Without that declaration a file:// store is refused. The arrays are small,
 * so every call says inline: "never" and the test checks that the hosts, not
 * the caller, ran each chunk task.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import {
  create, isStoreNotSharedError, read, sequential, withPlan, writeRegion,
  type CodecOption, type Plan, type Selection,
} from "@parazarr/core";
import { expectRanOn, observed, type ObservedPlan } from "../../../test/fixtures/observed-plan.js";
import { makeTempDir, pattern, snapshotStore } from "../../../test/fixtures/zarr-helpers.js";
import { sshOptions, startSshServers, type SshServers } from "./fixtures/servers.js";

let servers: SshServers;
let remote: Plan;
let watched: ObservedPlan;
const dirs: Array<{ remove(): void }> = [];

beforeAll(async () => {
  servers = await startSshServers(3);
  watched = observed(ssh(sshOptions(servers, { workersPerHost: 1 })));
  remote = watched.plan;
});
afterAll(async () => {
  await remote.close();
  await servers.stop();
  for (const dir of dirs) dir.remove();
});

const cases: Array<{ name: string; zarrFormat: 2 | 3; codec: CodecOption; patch: Selection; selection: Selection }> = [
  { name: "v3 zstd", zarrFormat: 3, codec: "zstd", patch: [[5, 93], [10, 61]], selection: [[3, 90], 5] },
  { name: "v2 blosc", zarrFormat: 2, codec: "blosc", patch: [[0, 100], [33, 34]], selection: [null, [7, 70]] },
  { name: "v3 gzip", zarrFormat: 3, codec: "gzip", patch: [[17, 18], [0, 80]], selection: [[0, 100], [0, 80]] },
];

/** On sequential() the option changes nothing: it has no workers, every call runs in the caller. */
const onWorkers = { inline: "never" } as const;

async function script(plan: Plan, c: (typeof cases)[number]) {
  const dir = makeTempDir("ssh-zarr");
  dirs.push(dir);
  return withPlan(plan, async () => {
    const array = await create(dir.path, "g/v", { shape: [100, 80], chunks: [10, 16], dtype: "float64", codec: c.codec, zarrFormat: c.zarrFormat });
    const receipts = [await writeRegion(array, null, pattern("float64", 8000, 1), onWorkers)];
    const patchShape = (c.patch as Array<[number, number] | number>).map((s) => (typeof s === "number" ? 1 : s[1] - s[0]));
    const patch = pattern("float64", patchShape.reduce((a, b) => a * b, 1), 2);
    receipts.push(await writeRegion(array, c.patch, { data: patch, shape: patchShape }, onWorkers));
    const reads = [await read(array, null, onWorkers), await read(array, c.selection, onWorkers)].map((r) => ({
      shape: r.shape,
      bytes: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    }));
    return { receipts, reads, store: snapshotStore(dir.path) };
  });
}

describe("zarr on ssh hosts: byte-identical to sequential()", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const expected = await script(sequential(), c);
      watched.reset();
      const actual = await script(remote, c);
      // A host's workers are named after it ("root@127.0.0.1:2222 worker 1"), as in errors.
      const onAHost = new RegExp(`^(${servers.hosts.map((host) => host.replace(/[.]/g, "\\.")).join("|")}) worker \\d+$`);
      for (const task of ["writeChunks", "readChunks"]) expectRanOn(watched, task, onAHost);
      expect(actual.store).toEqual(expected.store);
      expect(actual.receipts).toEqual(expected.receipts);
      expect(actual.reads).toEqual(expected.reads);
    });
  }
});

describe("zarr on ssh hosts: a local path must be declared shared", () => {
  /** The servers' plan as a user writes it before knowing about shared filesystems. */
  const undeclared = () => ssh({ hosts: servers.hosts, privateKey: servers.clientKey, knownHosts: servers.knownHosts });

  it("create, writeRegion and read refuse a file:// store outside sharedFilesystem, before anything is written", async () => {
    const dir = makeTempDir("ssh-unshared");
    dirs.push(dir);
    const array = await create(dir.path, "v", { shape: [20], chunks: [5], dtype: "float64" });
    const before = snapshotStore(dir.path);
    const plan = undeclared();
    const refusals = await withPlan(plan, () =>
      Promise.all([
        create(dir.path, "w", { shape: [20], chunks: [5], dtype: "float64" }).catch((e: unknown) => e),
        writeRegion(array, null, pattern("float64", 20, 3)).catch((e: unknown) => e),
        read(array).catch((e: unknown) => e),
      ]),
    );
    for (const error of refusals) {
      expect(isStoreNotSharedError(error), String(error)).toBe(true);
      expect((error as Error).message).toContain("sharedFilesystem");
      expect((error as Error).message).toContain(dir.path);
    }
    expect(snapshotStore(dir.path)).toEqual(before);
    await plan.close();
  });

  it("a path outside the declared ones is refused; one inside them works", async () => {
    const dir = makeTempDir("ssh-declared");
    dirs.push(dir);
    const elsewhere = ssh({ ...sshOptions(servers, { workersPerHost: 1 }), sharedFilesystem: ["/srv/shared"] });
    const error = await withPlan(elsewhere, () => create(dir.path, "v", { shape: [20], chunks: [5], dtype: "float64" })).catch((e: unknown) => e);
    expect(isStoreNotSharedError(error), String(error)).toBe(true);
    expect((error as Error).message).toContain('"/srv/shared"');
    await elsewhere.close();

    const shared = ssh({ ...sshOptions(servers, { workersPerHost: 1 }), sharedFilesystem: [dir.path] });
    const values = pattern("float64", 20, 4);
    // Even these four small chunks go to the hosts, not the caller.
    process.env.PARAZARR_INLINE_MAX_CHUNKS = "0";
    const back = await withPlan(shared, async () => {
      const array = await create(dir.path, "v", { shape: [20], chunks: [5], dtype: "float64" });
      await writeRegion(array, null, values);
      return read(array);
    }).finally(() => delete process.env.PARAZARR_INLINE_MAX_CHUNKS);
    expect(Array.from(back.data as Float64Array)).toEqual(Array.from(values as Float64Array));
    await shared.close();
  });
});
