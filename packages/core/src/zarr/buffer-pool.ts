/**
 * Buffers a thread reuses from task to task (chunk-read.ts, chunk-write.ts):
 * a chunk's fetched bytes, its decoded data, its encoded frame. Reuse saves
 * a chunk-sized allocation per chunk, its page faults, and the garbage V8
 * would otherwise collect only at its next GC (holding peak RSS up).
 *
 * A pool holds the buffers not lent now. Whoever takes one holds it alone
 * until it gives it back, so tasks that run at once never share one; a few
 * are kept, so that memory stays bounded whatever the chunk sizes.
 */
export class BufferPool {
  readonly #free: Uint8Array[] = [];
  constructor(private readonly kept: number) {}
  take(size: number): Uint8Array {
    const i = this.#free.findIndex((buffer) => buffer.length === size);
    return i >= 0 ? this.#free.splice(i, 1)[0]! : new Uint8Array(size);
  }
  give(buffer: Uint8Array): void {
    this.#free.push(buffer);
    if (this.#free.length > this.kept) this.#free.shift();
  }
}

