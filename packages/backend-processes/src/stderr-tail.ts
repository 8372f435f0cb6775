/**
 * The last few KiB a worker wrote to stderr: what Node says when it refuses
 * a flag, when the entry throws at start-up, or when V8 runs out of heap.
 * Errors quote it, because by the time the caller sees the error the
 * worker's own output has scrolled away (or went to a log).
 */
const KEEP_BYTES = 8 * 1024;

export class StderrTail {
  #text = "";

  add(chunk: Buffer | string): void {
    this.#text += chunk.toString();
    if (this.#text.length > 2 * KEEP_BYTES) this.#text = this.#text.slice(-KEEP_BYTES);
  }

  /** True when V8 reported that the heap limit was reached. */
  get outOfMemory(): boolean {
    return /JavaScript heap out of memory|Reached heap limit|Fatal JavaScript OOM/i.test(this.#text);
  }

  /** The V8 line that says why it gave up, if there is one. */
  get fatalLine(): string | undefined {
    return /^.*FATAL ERROR:.*$/m.exec(this.#text)?.[0].trim();
  }

  /**
   * The last line that names an error: an uncaught exception's
   * "TypeError: …", Node's own "node: bad option: …". Node ends its report
   * with a version banner and the stack, which say nothing about the cause.
   */
  get errorLine(): string | undefined {
    const lines = this.#text.split("\n").filter((line) => /^(?:\w*Error\b|node: )/.test(line));
    return lines.at(-1)?.trim();
  }

  /** The last `lines` non-empty lines, for an error message. */
  lastLines(lines: number): string {
    return this.#text
      .split("\n")
      .map((line) => line.trimEnd())
      .filter((line) => line.length > 0)
      .slice(-lines)
      .join("\n");
  }
}
