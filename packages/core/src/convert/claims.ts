/**
 * Claims: how independent writers (zarrify's one `write-region` process
 * per file, on one host or many) and a whole `convert` run keep off each
 * other's chunks. A claim is a small JSON document created with the
 * store's exclusive `create` (link(2) on files, a conditional put on S3):
 *
 *     /.parazarr/claims/<variable>/<chunk index along dimension 0>.json
 *     /.parazarr/claims/convert.json      a convert run holds the whole archive
 *
 * Dekker order: a writer first takes its own claims, then looks at the
 * other kind (chunk writers look at convert.json; convert lists the chunk
 * claims). With atomic, read-after-write consistent stores (local files,
 * S3), of two writers racing at least one sees the other: both may refuse,
 * never both proceed.
 *
 * A claim says who holds it (host, pid, process start, a random token) and
 * when it was last refreshed; the holder refreshes it every leaseMs/3.
 * It is dead, and may be taken over, when its holder is on this host and
 * that pid is gone or now belongs to a later process, or when it was not
 * refreshed within its lease (default 10 minutes; hosts' clocks must agree
 * to well within that). Takeover first creates a tombstone named after the
 * dead holder's token (one taker wins it), then deletes the dead claim and
 * creates its own; losing any step is a refusal. A live claim is never
 * taken over. The gap: a holder whose lease expired while it was alive
 * (stopped for longer than its lease) can lose its claim to a taker.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { pidAlive, processStart } from "../zarr/stores/temp-files.js";
import { parseJsonExact, stringifyJsonExact } from "../zarr/json.js";
import type { Store, StoreKey } from "../zarr/stores/types.js";
import { type ClaimHolder, LedgerError, RegionClaimedError } from "./ledger-errors.js";
import { listOf, variableKeyPart, type WriterId } from "./ledger.js";

const CLAIMS: StoreKey = "/.parazarr/claims/";
const ARCHIVE_CLAIM: StoreKey = "/.parazarr/claims/convert.json";
export const DEFAULT_LEASE_MS = 10 * 60_000;

interface ClaimDocument {
  readonly writer: WriterId;
  readonly variable?: string;
  readonly chunk?: number;
  readonly claimedAt: string;
  readonly refreshedAt: string;
  readonly leaseMs: number;
}

export interface Claim {
  /** Deletes the claims this writer still holds and stops refreshing them. Idempotent. */
  release(): Promise<void>;
  /** Rewrites the claims with a fresh time; a RegionClaimedError when another writer took one over. */
  refresh(): Promise<void>;
}

export interface ClaimChunksOptions {
  /** The array's path in the archive. */
  readonly variable: string;
  /** First and last chunk index along dimension 0, inclusive. */
  readonly chunks: readonly [first: number, last: number];
  readonly writer: WriterId;
  readonly leaseMs?: number;
}

let self: WriterId | undefined;

/** This process as a writer: host, pid, start time and a random token made once per process. */
export function currentWriter(): WriterId {
  if (self !== undefined) return self;
  const start = processStart(process.pid);
  const startMs = start === undefined || start === "0" ? Date.now() - process.uptime() * 1000 : parseInt(start, 36);
  self = { host: hostname(), pid: process.pid, startedAt: new Date(startMs).toISOString(), token: randomBytes(16).toString("hex") };
  return self;
}

/** Whether a claim's holder may still be writing. */
export function holderAlive(doc: ClaimDocument, now = Date.now()): boolean {
  if (now - Date.parse(doc.refreshedAt) > doc.leaseMs) return false;
  const { host, pid, startedAt } = doc.writer;
  if (host !== hostname()) return true;
  const start = processStart(pid);
  if (start === undefined) return false;
  if (start === "0") return pidAlive(pid);
  return new Date(parseInt(start, 36)).toISOString() === startedAt;
}

export async function claimChunks(store: Store, options: ClaimChunksOptions): Promise<Claim> {
  const { variable, writer } = options;
  const [first, last] = checkChunks(options.chunks);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const held = new HeldClaims(store, writer, leaseMs);
  try {
    for (let chunk = first; chunk <= last; chunk++) {
      await take(store, chunkClaimKey(variable, chunk), { writer, variable, chunk, leaseMs }, held);
    }
    // Dekker: our own claims are in place; now a convert run that starts later sees them, and one that started earlier is seen here.
    const archive = await readClaim(store, ARCHIVE_CLAIM);
    if (archive !== undefined && archive.writer.token !== writer.token && holderAlive(archive)) {
      throw refusal(ARCHIVE_CLAIM, archive, `${variable} chunks ${first}–${last}`);
    }
  } catch (error) {
    await held.release();
    throw error;
  }
  return held.start();
}

/** For convert: holds the whole archive; refused while any other live writer holds a claim in it. */
export async function claimArchive(store: Store, writer: WriterId, options: { leaseMs?: number } = {}): Promise<Claim> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const held = new HeldClaims(store, writer, leaseMs);
  try {
    await take(store, ARCHIVE_CLAIM, { writer, leaseMs }, held);
    for await (const folder of listOf(store, CLAIMS)) {
      if (!folder.endsWith("/")) continue;
      for await (const name of listOf(store, `${CLAIMS}${folder}`)) {
        if (name.startsWith(".") || !name.endsWith(".json")) continue;
        const key: StoreKey = `${CLAIMS}${folder}${name}`;
        const doc = await readClaim(store, key);
        if (doc !== undefined && doc.writer.token !== writer.token && holderAlive(doc)) throw refusal(key, doc, "the archive");
      }
    }
  } catch (error) {
    await held.release();
    throw error;
  }
  return held.start();
}

export function chunkClaimKey(variable: string, chunk: number): StoreKey {
  return `${CLAIMS}${variableKeyPart(variable)}/${chunk}.json`;
}

function checkChunks(chunks: readonly [number, number]): [number, number] {
  const [first, last] = Array.isArray(chunks) ? chunks : [];
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first! < 0 || last! < first!) {
    throw new LedgerError(`claimChunks: chunks must be [first, last] chunk indices with 0 ≤ first ≤ last, got ${JSON.stringify(chunks)}`, CLAIMS);
  }
  return [first!, last!];
}

/** Creates the claim at `key`, taking over a dead holder's; a live holder's is a refusal. */
async function take(store: Store, key: StoreKey, what: Omit<ClaimDocument, "claimedAt" | "refreshedAt">, held: HeldClaims): Promise<void> {
  const create = exclusive(store);
  const now = new Date().toISOString();
  const doc: ClaimDocument = { ...what, claimedAt: now, refreshedAt: now };
  if (await create(key, encode(doc))) return held.add(key, doc);
  const other = await readClaim(store, key);
  if (other === undefined) {
    // Released between our create and our read: one more try, then it is someone else's.
    if (await create(key, encode(doc))) return held.add(key, doc);
    throw refusal(key, (await readClaim(store, key)) ?? doc, describe(what));
  }
  if (other.writer.token === what.writer.token) throw new LedgerError(`${key} is already claimed by this writer (claim each chunk once)`, key);
  if (holderAlive(other)) throw refusal(key, other, describe(what));
  await takeOver(store, key, other, doc, held);
}

async function takeOver(store: Store, key: StoreKey, dead: ClaimDocument, doc: ClaimDocument, held: HeldClaims): Promise<void> {
  const create = exclusive(store);
  const tombstone = `${key.slice(0, -".json".length)}.takeover-${dead.writer.token}` as StoreKey;
  if (!(await create(tombstone, encode(doc)))) {
    // Another taker is at it, or died at it: a dead taker's tombstone is cleared once.
    const taker = await readClaim(store, tombstone);
    if (taker !== undefined && holderAlive(taker)) throw refusal(key, taker, describe(doc));
    await store.delete!(tombstone);
    if (!(await create(tombstone, encode(doc)))) throw refusal(key, (await readClaim(store, tombstone)) ?? dead, describe(doc));
  }
  try {
    const still = await readClaim(store, key);
    if (still !== undefined && still.writer.token !== dead.writer.token) throw refusal(key, still, describe(doc));
    await store.delete!(key);
    if (!(await create(key, encode(doc)))) throw refusal(key, (await readClaim(store, key)) ?? dead, describe(doc));
    held.add(key, doc);
  } finally {
    await store.delete!(tombstone);
  }
}

function exclusive(store: Store): (key: StoreKey, value: Uint8Array) => Promise<boolean> {
  if (store.create === undefined || store.delete === undefined) {
    throw new LedgerError("this store cannot create a key exclusively, which claims need (file:// and s3:// can)", CLAIMS);
  }
  return store.create.bind(store);
}

const describe = (what: { variable?: string; chunk?: number }) =>
  what.variable === undefined ? "the archive" : `chunk ${what.chunk} of ${what.variable}`;

function refusal(key: StoreKey, holder: ClaimDocument, wanted: string): RegionClaimedError {
  const who: ClaimHolder = { host: holder.writer.host, pid: holder.writer.pid, since: holder.claimedAt };
  const held = holder.variable === undefined ? "the whole archive (a convert run)" : `chunk ${holder.chunk} (along dimension 0) of ${holder.variable}`;
  return new RegionClaimedError(
    `cannot claim ${wanted}: ${held} is claimed by the writer pid ${who.pid} on ${who.host} since ${who.since} (${key}), which is alive; ` +
      "wait for it, or stop it: a dead writer's claim is taken over",
    key,
    holder.variable,
    holder.chunk,
    who,
  );
}

const encode = (doc: ClaimDocument) => new TextEncoder().encode(stringifyJsonExact(doc));

function isClaim(doc: unknown): doc is ClaimDocument {
  const d = doc as Partial<ClaimDocument> | null;
  return typeof d === "object" && d !== null && typeof d.writer?.token === "string" && typeof d.refreshedAt === "string" && typeof d.leaseMs === "number";
}

/**
 * A claim as stored. One that does not parse can only be a torn write (a
 * power loss on a filesystem that does not order data before link): its
 * holder is unknown, so it counts as expired.
 */
async function readClaim(store: Store, key: StoreKey): Promise<ClaimDocument | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  try {
    const doc = parseJsonExact(new TextDecoder().decode(bytes));
    if (isClaim(doc)) return doc;
  } catch {
    // torn: below
  }
  return { writer: { host: "?", pid: 0, startedAt: "", token: "" }, claimedAt: "", refreshedAt: new Date(0).toISOString(), leaseMs: 0 };
}

/** The claims one call took, refreshed on a timer while held. */
class HeldClaims {
  private readonly docs = new Map<StoreKey, ClaimDocument>();
  private timer: NodeJS.Timeout | undefined;
  private lost: unknown;
  private released = false;

  constructor(
    private readonly store: Store,
    private readonly writer: WriterId,
    private readonly leaseMs: number,
  ) {}

  add(key: StoreKey, doc: ClaimDocument): void {
    this.docs.set(key, doc);
  }

  start(): Claim {
    // Refresh well inside the lease, so a late timer (a loaded machine) still lands in time. unref: a held claim never keeps a script alive.
    this.timer = setInterval(() => void this.refresh().catch((error: unknown) => (this.lost = error)), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    return { release: () => this.release(), refresh: () => this.refresh() };
  }

  // One at a time: a timer's refresh that read the claim before release() deleted it must not write it back afterwards.
  private queue: Promise<unknown> = Promise.resolve();
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  refresh(): Promise<void> {
    return this.serial(() => this.refreshNow());
  }

  release(): Promise<void> {
    this.released = true;
    clearInterval(this.timer);
    return this.serial(() => this.releaseNow());
  }

  private async refreshNow(): Promise<void> {
    if (this.lost !== undefined) throw this.lost;
    if (this.released) return;
    const refreshedAt = new Date().toISOString();
    for (const [key, doc] of this.docs) {
      const stored = await readClaim(this.store, key);
      if (stored === undefined || stored.writer.token !== this.writer.token) {
        this.lost = refusal(key, stored ?? doc, describe(doc));
        throw this.lost;
      }
      const fresh = { ...doc, refreshedAt };
      await this.store.set!(key, encode(fresh));
      this.docs.set(key, fresh);
    }
  }

  private async releaseNow(): Promise<void> {
    // Only our own: a claim taken over after our lease ran out is the taker's now.
    for (const key of [...this.docs.keys()].reverse()) {
      const stored = await readClaim(this.store, key);
      if (stored?.writer.token === this.writer.token) await this.store.delete!(key);
    }
    this.docs.clear();
  }
}
