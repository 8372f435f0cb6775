/**
 * Reads a classic header front to back with positioned reads, a block at a
 * time, without knowing its length in advance (it is only known once the
 * last variable's `begin` has been read). Every count in the header is
 * checked against what the file still holds before anything is allocated
 * for it, so a corrupt count is a "truncated" error, not a huge allocation.
 */
import type { FileHandle } from "node:fs/promises";
import { NetcdfFormatError } from "../errors.js";

const BLOCK = 64 * 1024;

export class HeaderReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  offset = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly fileSize: number,
    private readonly file: string,
  ) {}

  /** Makes `n` bytes from the current offset available in the buffer. */
  private async ensure(n: number, what: string): Promise<void> {
    const end = this.offset + n;
    if (end <= this.bufferStart + this.buffer.length) return;
    if (end > this.fileSize) {
      throw new NetcdfFormatError(this.file, `truncated header: the file ends at byte ${this.fileSize}, inside ${what} (byte ${this.offset} + ${n})`);
    }
    const from = this.offset;
    const length = Math.min(this.fileSize - from, Math.max(n, BLOCK));
    const next = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(next, got, length - got, from + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < n) throw new NetcdfFormatError(this.file, `truncated header: the file ends at byte ${from + got}, inside ${what}`);
    this.buffer = next.subarray(0, got);
    this.bufferStart = from;
  }

  async bytes(n: number, what: string): Promise<Buffer> {
    await this.ensure(n, what);
    const at = this.offset - this.bufferStart;
    this.offset += n;
    return this.buffer.subarray(at, at + n);
  }

  async uint32(what: string): Promise<number> {
    return (await this.bytes(4, what)).readUInt32BE(0);
  }

  async uint64(what: string): Promise<number> {
    const value = (await this.bytes(8, what)).readBigUInt64BE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NetcdfFormatError(this.file, `corrupt header: ${what} ${value} is beyond any file size`);
    return Number(value);
  }

  /** `n` bytes and the padding that rounds them up to a multiple of 4. */
  async padded(n: number, what: string): Promise<Buffer> {
    const value = await this.bytes(n, what);
    const pad = (4 - (n % 4)) % 4;
    if (pad > 0) await this.bytes(pad, `the padding after ${what}`);
    return value;
  }

  /** A count that introduces `unit` bytes per element, refused when the file cannot hold that many. */
  async count(unit: number, what: string): Promise<number> {
    const n = await this.uint32(`the count of ${what}`);
    if (n * unit > this.fileSize - this.offset) {
      throw new NetcdfFormatError(this.file, `corrupt or truncated header: ${n} ${what} at byte ${this.offset - 4} do not fit in the ${this.fileSize - this.offset} bytes left`);
    }
    return n;
  }

  async name(what: string): Promise<string> {
    const length = await this.count(1, `bytes in the name of ${what}`);
    return (await this.padded(length, `the name of ${what}`)).toString("utf8").normalize("NFC");
  }
}
