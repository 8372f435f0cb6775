/**
 * Claims of independent writers and of a convert run: exclusive, refused
 * with the other writer's name, taken over from dead writers only, kept
 * alive by refresh, and free of secrets.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  isRegionClaimedError, openStore, type RegionClaimedError, type Store, type WriterId,
} from "@parazarr/core";
// The ledger's writers and claims are internal to core (convert and writeFromSource use them): imported from its build.
import { taskIdOf, writeTaskRecord } from "../packages/core/dist/convert/ledger.js";
import { claimArchive, claimChunks, currentWriter } from "../packages/core/dist/convert/claims.js";
import { rejection, tempDirs } from "./fixtures/zarr-helpers.js";

const dirs = tempDirs();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});
afterAll(() => dirs.removeAll());

const HOLDER = fileURLToPath(new URL("./fixtures/claim-holder.mjs", import.meta.url));

/** Another writer of this process: same host and pid (alive), its own token. */
const other = (token: string): WriterId => ({ ...currentWriter(), token });
const claimFiles = (root: string, variable = "temp") => {
  try {
    return readdirSync(join(root, ".parazarr/claims", variable)).sort();
  } catch {
    return [];
  }
};

async function archive(): Promise<{ root: string; store: Store }> {
  const root = dirs.temp("claims");
  return { root, store: await openStore({ url: root }) };
}

/** Starts a writer process that claims chunks [first, last] and holds them; resolves once it has. */
async function holderProcess(root: string, first: number, last: number, env: NodeJS.ProcessEnv = process.env): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOLDER, pathToFileURL(root).href, "temp", String(first), String(last)], { env, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await new Promise<void>((done, fail) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("claimed") && done());
    child.on("exit", (code) => fail(new Error(`the claim holder exited (${code}) before claiming`)));
  });
  return child;
}

const killed = (child: ChildProcess) => new Promise<void>((done) => (child.kill("SIGKILL"), child.on("exit", () => done())));

describe("claims of independent writers", () => {
  it("an overlapping claim is refused, naming the other writer and the chunk, and leaves none of its own claims behind", async () => {
    const { root, store } = await archive();
    const a = await claimChunks(store, { variable: "temp", chunks: [2, 3], writer: other("a") });
    const error = await rejection(claimChunks(store, { variable: "temp", chunks: [0, 2], writer: other("b") }));
    expect(isRegionClaimedError(error)).toBe(true);
    const refused = error as RegionClaimedError;
    expect(refused.chunk).toBe(2);
    expect(refused.variable).toBe("temp");
    expect(refused.holder).toMatchObject({ host: hostname(), pid: process.pid });
    expect(refused.message).toContain(`pid ${process.pid} on ${hostname()}`);
    expect(refused.message).toContain("chunk 2");
    // b's claims of chunks 0 and 1 were released: only a's remain.
    expect(claimFiles(root)).toEqual(["2.json", "3.json"]);
    await a.release();
    expect(claimFiles(root)).toEqual([]);
  });

  it("disjoint claims both hold, and a released range can be claimed again", async () => {
    const { root, store } = await archive();
    const a = await claimChunks(store, { variable: "temp", chunks: [0, 1], writer: other("a") });
    const b = await claimChunks(store, { variable: "temp", chunks: [2, 5], writer: other("b") });
    expect(claimFiles(root)).toEqual(["0.json", "1.json", "2.json", "3.json", "4.json", "5.json"]);
    await a.release();
    const c = await claimChunks(store, { variable: "temp", chunks: [0, 1], writer: other("c") });
    await Promise.all([b.release(), c.release()]);
    expect(claimFiles(root)).toEqual([]);
  });

  it("claims of other variables do not collide", async () => {
    const { store } = await archive();
    const a = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other("a") });
    const b = await claimChunks(store, { variable: "ocean/salt", chunks: [0, 0], writer: other("b") });
    await Promise.all([a.release(), b.release()]);
  });

  it("a bad chunk range is a LedgerError, before anything is claimed", async () => {
    const { root, store } = await archive();
    const error = await rejection(claimChunks(store, { variable: "temp", chunks: [3, 1], writer: other("a") }));
    expect((error as { _tag?: string })._tag).toBe("LedgerError");
    expect(claimFiles(root)).toEqual([]);
  });
});

describe("claims of a convert run", () => {
  it("a live convert run holds the archive: independent writers are refused, naming it", async () => {
    const { root, store } = await archive();
    const run = await claimArchive(store, other("convert"));
    const error = await rejection(claimChunks(store, { variable: "temp", chunks: [0, 1], writer: other("w") }));
    expect(isRegionClaimedError(error)).toBe(true);
    expect((error as RegionClaimedError).variable).toBeUndefined();
    expect((error as Error).message).toContain("the whole archive (a convert run)");
    // Dekker order: the writer took its claims first, then looked, then let them go.
    expect(claimFiles(root)).toEqual([]);
    await run.release();
    await (await claimChunks(store, { variable: "temp", chunks: [0, 1], writer: other("w") })).release();
  });

  it("a convert run is refused while an independent writer holds a chunk, and names the chunk", async () => {
    const { root, store } = await archive();
    const w = await claimChunks(store, { variable: "temp", chunks: [4, 4], writer: other("w") });
    const error = await rejection(claimArchive(store, other("convert")));
    expect(isRegionClaimedError(error)).toBe(true);
    expect((error as RegionClaimedError).chunk).toBe(4);
    expect(readdirSync(join(root, ".parazarr/claims")).sort()).toEqual(["temp"]);
    await w.release();
    await (await claimArchive(store, other("convert"))).release();
  });
});

describe("dead writers", () => {
  it("a live writer process's claim is refused; once it is SIGKILLed, its chunks are taken over", async () => {
    const { root, store } = await archive();
    const child = await holderProcess(root, 0, 1);
    const error = await rejection(claimChunks(store, { variable: "temp", chunks: [1, 2], writer: currentWriter() }));
    expect((error as RegionClaimedError).holder.pid).toBe(child.pid);
    expect((error as RegionClaimedError).chunk).toBe(1);
    await killed(child);
    const claim = await claimChunks(store, { variable: "temp", chunks: [1, 2], writer: currentWriter() });
    const doc = JSON.parse(readFileSync(join(root, ".parazarr/claims/temp/1.json"), "utf8"));
    expect(doc.writer).toEqual(currentWriter());
    // No takeover tombstone is left; chunk 0 still holds the dead writer's claim (nobody asked for it).
    expect(claimFiles(root)).toEqual(["0.json", "1.json", "2.json"]);
    await claim.release();
    expect(claimFiles(root)).toEqual(["0.json"]);
  });

  it("a convert run takes over the archive from a killed independent writer", async () => {
    const { root, store } = await archive();
    const child = await holderProcess(root, 3, 3);
    expect(isRegionClaimedError(await rejection(claimArchive(store, currentWriter())))).toBe(true);
    await killed(child);
    await (await claimArchive(store, currentWriter())).release();
  });

  it("of 10 writers racing to take over one killed writer's claim, exactly one wins; the others are refused", async () => {
    const { root, store } = await archive();
    await killed(await holderProcess(root, 0, 0));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other(`taker${i}`) })));
    const won = outcomes.filter((o) => o.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const o of outcomes) if (o.status === "rejected") expect(isRegionClaimedError(o.reason)).toBe(true);
    const holder = JSON.parse(readFileSync(join(root, ".parazarr/claims/temp/0.json"), "utf8")).writer.token;
    expect(holder).toBe(`taker${outcomes.findIndex((o) => o.status === "fulfilled")}`);
    expect(claimFiles(root)).toEqual(["0.json"]);
    await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof claimChunks>>>).value.release();
  });

  it("a claim whose pid now belongs to a later process (a reused pid) is a dead writer's", async () => {
    const { store } = await archive();
    // This process's pid, but a start time before it: the writer that had this pid is gone.
    const reused = { ...currentWriter(), startedAt: "2000-01-01T00:00:00.000Z", token: "gone" };
    const now = new Date().toISOString();
    await store.set!("/.parazarr/claims/temp/0.json", new TextEncoder().encode(JSON.stringify({ writer: reused, variable: "temp", chunk: 0, claimedAt: now, refreshedAt: now, leaseMs: 600_000 })));
    const claim = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: currentWriter() });
    await claim.release();
  });

  it("a claim from another host is taken over only once its lease has run out", async () => {
    const { store } = await archive();
    const elsewhere = { host: "another-host", pid: 1, startedAt: "2026-01-01T00:00:00.000Z", token: "far" };
    const stale = { writer: elsewhere, variable: "temp", chunk: 0, claimedAt: "2026-01-01T00:00:00.000Z", leaseMs: 600_000 };
    await store.set!("/.parazarr/claims/temp/0.json", new TextEncoder().encode(JSON.stringify({ ...stale, refreshedAt: new Date().toISOString() })));
    const error = await rejection(claimChunks(store, { variable: "temp", chunks: [0, 0], writer: currentWriter() }));
    expect((error as RegionClaimedError).holder).toEqual({ host: "another-host", pid: 1, since: "2026-01-01T00:00:00.000Z" });
    await store.set!("/.parazarr/claims/temp/0.json", new TextEncoder().encode(JSON.stringify({ ...stale, refreshedAt: new Date(Date.now() - 700_000).toISOString() })));
    await (await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: currentWriter() })).release();
  });
});

describe("refresh", () => {
  it("keeps a claim held longer than its lease alive", async () => {
    const { root, store } = await archive();
    // A 3 s lease refreshed every second; after 7 s the claim is still live (a late timer has 2 s of slack).
    const claim = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other("slow"), leaseMs: 3000 });
    const first = JSON.parse(readFileSync(join(root, ".parazarr/claims/temp/0.json"), "utf8")).refreshedAt;
    await new Promise((done) => setTimeout(done, 7000));
    const later = JSON.parse(readFileSync(join(root, ".parazarr/claims/temp/0.json"), "utf8")).refreshedAt;
    expect(Date.parse(later)).toBeGreaterThan(Date.parse(first) + 3000);
    expect(isRegionClaimedError(await rejection(claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other("taker") })))).toBe(true);
    await claim.release();
  }, 30_000);

  it("a claim taken over after its lease ran out says so on refresh, and release leaves the taker's claim", async () => {
    const { root, store } = await archive();
    const claim = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other("stopped"), leaseMs: 600_000 });
    // As if the holder had been stopped past its lease: its claim looks unrefreshed.
    const path = join(root, ".parazarr/claims/temp/0.json");
    const doc = JSON.parse(readFileSync(path, "utf8"));
    await store.set!("/.parazarr/claims/temp/0.json", new TextEncoder().encode(JSON.stringify({ ...doc, refreshedAt: new Date(0).toISOString() })));
    const taker = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: other("taker") });
    expect(isRegionClaimedError(await rejection(claim.refresh()))).toBe(true);
    await claim.release();
    expect(JSON.parse(readFileSync(path, "utf8")).writer.token).toBe("taker");
    await taker.release();
  });
});

describe("secrets", () => {
  it("claims and records hold no secret from the environment, written by this process or a child", async () => {
    const { root, store } = await archive();
    const canary = `canary-${Math.random().toString(36).slice(2)}`;
    process.env.AWS_SECRET_ACCESS_KEY = canary;
    process.env.PARAZARR_TEST_CANARY = canary;
    try {
      const claim = await claimChunks(store, { variable: "temp", chunks: [0, 0], writer: currentWriter() });
      await writeTaskRecord(store, { id: taskIdOf("temp", [[0, 1]]), variable: "temp", region: [[0, 4]], chunks: [], emptyChunks: [], sources: [], finishedAt: new Date().toISOString(), writer: currentWriter() });
      await claimArchive(store, other("convert")).catch(() => undefined);
      await holderProcess(root, 5, 5, { ...process.env });
      const files = readdirSync(join(root, ".parazarr"), { recursive: true, encoding: "utf8" }).map((f) => join(root, ".parazarr", f));
      const texts = files.filter((f) => statSync(f).isFile()).map((f) => readFileSync(f, "utf8"));
      expect(texts.length).toBeGreaterThanOrEqual(3);
      for (const text of texts) expect(text).not.toContain(canary);
      await claim.release();
    } finally {
      delete process.env.AWS_SECRET_ACCESS_KEY;
      delete process.env.PARAZARR_TEST_CANARY;
    }
  });
});
