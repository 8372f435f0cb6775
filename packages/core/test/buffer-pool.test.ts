/** The per-thread buffer pool of reads and writes: reuse, and what it may keep. */
import { describe, expect, it } from "vitest";
import { BufferPool } from "../dist/zarr/buffer-pool.js";

describe("BufferPool", () => {
  it("gives a returned buffer of the size asked for back, and a new one otherwise", () => {
    const pool = new BufferPool(4);
    const a = pool.take(1024);
    pool.give(a);
    expect(pool.take(1024)).toBe(a);
    expect(pool.take(1024)).not.toBe(a);
    pool.give(a);
    expect(pool.take(2048)).not.toBe(a);
  });

  it("never lends one buffer twice at once", () => {
    const pool = new BufferPool(4);
    const a = pool.take(64);
    pool.give(a);
    const [x, y] = [pool.take(64), pool.take(64)];
    expect(x).not.toBe(y);
  });

  it("keeps at most its count and its bytes, oldest dropped first, and never a buffer over its byte bound", () => {
    const pool = new BufferPool(3, 10_000);
    const buffers = [1, 2, 3, 4].map(() => pool.take(1000));
    for (const b of buffers) pool.give(b);
    expect(pool.keptBytes).toBe(3000);
    expect(pool.take(1000)).not.toBe(buffers[0]);
    const big = pool.take(20_000);
    pool.give(big);
    expect(pool.take(20_000)).not.toBe(big);
    for (let i = 0; i < 3; i++) pool.give(pool.take(6000));
    expect(pool.keptBytes).toBeLessThanOrEqual(10_000);
  });
});
