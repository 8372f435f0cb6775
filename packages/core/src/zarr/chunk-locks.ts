/**
 * Chunk ownership across the `writeRegion` calls of one process. Inside one
 * call every chunk belongs to exactly one task; two calls in flight at once
 * may still both touch a chunk (disjoint regions whose edges fall in it),
 * and two read-modify-writes of one chunk at once lose one update. The
 * caller process sees every dispatch, so it orders them here, before any
 * task is sent: a chunk touched by several calls is patched by one task at
 * a time, in the order the calls were made.
 *
 * Each call claims the box of the chunk grid it touches, synchronously when
 * it is made (so claims are in call order). A later claim that overlaps an
 * earlier one waits, chunk by chunk inside the overlap only, until the
 * earlier call has stored that chunk or ended. Waits only ever point to
 * earlier calls, so they cannot form a cycle; and they happen in the caller
 * before dispatch, never on a worker, so a waiting call holds no worker an
 * earlier call needs. Calls that overlap nothing (the common case) pay one
 * box test per call in flight, and nothing per chunk.
 */
import { AbortError } from "../errors.js";
import type { ZarrArray } from "./array.js";
import type { NormalizedSelection } from "./selection.js";

/** Chunk-grid indices, `hi` one past the last. */
interface Box {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

const claims = new Map<string, Set<ChunkClaim>>();

/** One array, however its handle was obtained: same store spec, same path. */
function arrayId(array: ZarrArray): string {
  return JSON.stringify([array.store.url, array.store.options ?? {}, array.path]);
}

function boxOf(array: ZarrArray, sel: NormalizedSelection): Box | undefined {
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < array.shape.length; d++) {
    const count = sel.count[d]!;
    if (count === 0) return undefined;
    const size = array.chunks[d]!;
    lo.push(Math.floor(sel.start[d]! / size));
    hi.push(Math.floor((sel.start[d]! + count - 1) / size) + 1);
  }
  return { lo, hi };
}

function intersect(a: Box, b: Box): Box | undefined {
  const lo = a.lo.map((l, d) => Math.max(l, b.lo[d]!));
  const hi = a.hi.map((h, d) => Math.min(h, b.hi[d]!));
  return lo.every((l, d) => l < hi[d]!) ? { lo, hi } : undefined;
}

function contains(box: Box, coords: readonly number[]): boolean {
  return coords.every((c, d) => c >= box.lo[d]! && c < box.hi[d]!);
}

/** Claims the chunks `sel` touches for one call; release it when the call is over, whatever happened. */
export function claimChunks(array: ZarrArray, sel: NormalizedSelection): ChunkClaim {
  const id = arrayId(array);
  const box = boxOf(array, sel);
  const active = claims.get(id) ?? new Set<ChunkClaim>();
  const earlier: Array<{ claim: ChunkClaim; overlap: Box }> = [];
  if (box !== undefined) {
    for (const other of active) {
      const overlap = other.box && intersect(other.box, box);
      if (overlap === undefined) continue;
      other.watch(overlap);
      earlier.push({ claim: other, overlap });
    }
  }
  const claim = new ChunkClaim(box, earlier, () => {
    active.delete(claim);
    if (active.size === 0 && claims.get(id) === active) claims.delete(id);
  });
  active.add(claim);
  claims.set(id, active);
  return claim;
}

export class ChunkClaim {
  // Only chunks inside a box a later call waits on are remembered: memory
  // grows with overlaps, not with the size of the write.
  readonly #watched: Box[] = [];
  readonly #stored = new Set<string>();
  readonly #waiters = new Map<string, Array<() => void>>();
  #released = false;

  constructor(
    readonly box: Box | undefined,
    private readonly earlier: ReadonlyArray<{ claim: ChunkClaim; overlap: Box }>,
    private readonly onRelease: () => void,
  ) {}

  /** Whether some chunk among `coords` is also claimed by an earlier call still in flight. */
  contended(coords: ReadonlyArray<readonly number[]>): boolean {
    return this.earlier.some(({ claim, overlap }) => !claim.#released && coords.some((c) => contains(overlap, c)));
  }

  /** Resolves when every earlier call is done with these chunks; rejects with AbortError if `signal` fires first. */
  async turnFor(coords: ReadonlyArray<readonly number[]>, signal?: AbortSignal): Promise<void> {
    for (const { claim, overlap } of this.earlier) {
      for (const c of coords) if (contains(overlap, c)) await claim.#doneWith(c, signal);
    }
  }

  /** These chunks are stored (their task reported): later calls may patch them. */
  stored(coords: ReadonlyArray<readonly number[]>): void {
    if (this.#watched.length === 0) return;
    for (const c of coords) {
      if (!this.#watched.some((box) => contains(box, c))) continue;
      const key = c.join(",");
      this.#stored.add(key);
      for (const wake of this.#waiters.get(key) ?? []) wake();
      this.#waiters.delete(key);
    }
  }

  /** The call is over (done, failed or cancelled, and no task of it still runs). */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.onRelease();
    for (const list of this.#waiters.values()) for (const wake of list) wake();
    this.#waiters.clear();
    this.#stored.clear();
  }

  watch(box: Box): void {
    this.#watched.push(box);
  }

  #doneWith(coords: readonly number[], signal?: AbortSignal): Promise<void> {
    const key = coords.join(",");
    if (this.#released || this.#stored.has(key)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new AbortError("writeRegion was aborted", { cause: signal?.reason }));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      const list = this.#waiters.get(key) ?? [];
      list.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      this.#waiters.set(key, list);
    });
  }
}
