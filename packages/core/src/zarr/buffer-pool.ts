/**
 * Buffers a thread reuses from task to task (chunk-read.ts, chunk-write.ts):
 * a chunk's fetched bytes, its decoded data, its encoded frame. Reuse saves
 * a chunk-sized allocation per chunk, its page faults, and the garbage V8
 * would otherwise collect only at its next GC (holding peak RSS up).
 *
 * A pool holds the buffers not lent now. Whoever takes one holds it alone
 * until it gives it back, so tasks that run at once never share one. What
 * it keeps is bounded in count and in bytes, so that a thread that once
 * read an array of huge chunks does not hold their memory for good: a
 * buffer larger than the byte bound is never kept (it is allocated for each
 * use, as without a pool).
 */
export class BufferPool {
  readonly #free: Uint8Array[] = [];
  #bytes = 0;
  constructor(
    private readonly kept: number,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  take(size: number): Uint8Array {
    const i = this.#free.findIndex((buffer) => buffer.length === size);
    if (i < 0) return new Uint8Array(size);
    const [buffer] = this.#free.splice(i, 1);
    this.#bytes -= buffer!.byteLength;
    return buffer!;
  }

  give(buffer: Uint8Array): void {
    if (buffer.byteLength > this.maxBytes) return;
    this.#free.push(buffer);
    this.#bytes += buffer.byteLength;
    while (this.#free.length > this.kept || this.#bytes > this.maxBytes) this.#bytes -= this.#free.shift()!.byteLength;
  }

  /** Bytes kept now (tests). */
  get keptBytes(): number {
    return this.#bytes;
  }
}
