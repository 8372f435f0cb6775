/**
 * Blosc through numcodecs' WASM build (0.3.2), with two pitfalls handled:
 * - v3 metadata spells `shuffle` as a string ("shuffle", "bitshuffle",
 *   "noshuffle"); numcodecs takes a number and reads a string as "no
 *   shuffle" without a word. Translated here.
 * - the WASM build ignores the element size: it always compresses with
 *   typesize 4. Decoding reads the typesize from the blosc header, so data
 *   written by anyone decodes right; only the ratio for 8-byte types suffers.
 */
import type { Codec } from "numcodecs";

const SHUFFLES: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

interface BloscConfig {
  cname?: unknown;
  clevel?: unknown;
  shuffle?: unknown;
  blocksize?: unknown;
}

export function bloscShuffleNumber(shuffle: unknown): number {
  if (typeof shuffle === "number") return shuffle;
  if (typeof shuffle === "string" && shuffle in SHUFFLES) return SHUFFLES[shuffle]!;
  return 1;
}

export async function loadBlosc(): Promise<{ fromConfig(config: BloscConfig): Codec }> {
  const { default: Blosc } = await import("numcodecs/blosc");
  return {
    fromConfig: (config: BloscConfig) =>
      Blosc.fromConfig({
        cname: typeof config.cname === "string" ? config.cname : "lz4",
        clevel: typeof config.clevel === "number" ? config.clevel : 5,
        shuffle: bloscShuffleNumber(config.shuffle),
        blocksize: typeof config.blocksize === "number" ? config.blocksize : 0,
      }),
  };
}
