/**
 * The `codec` option of `create`, checked once, turned into what v2
 * (`compressor`) and v3 (`codecs`) metadata spell. v3 blosc gets its
 * `shuffle` as a string and a `typesize`, as zarr-python 3 writes it.
 */
import type { CodecSpec } from "./array.js";
import { ZarrOptionError } from "./errors.js";

export type CodecOption =
  | "none" | "zstd" | "blosc" | "gzip" | "zlib"
  | { readonly name: "none" }
  | { readonly name: "zstd"; readonly level?: number }
  | { readonly name: "gzip" | "zlib"; readonly level?: number }
  | {
      readonly name: "blosc";
      readonly cname?: "lz4" | "lz4hc" | "zstd" | "zlib" | "blosclz";
      readonly clevel?: number;
      readonly shuffle?: "noshuffle" | "shuffle" | "bitshuffle";
    };

export interface ResolvedCodec {
  readonly v2: Record<string, unknown> | null;
  readonly v3: CodecSpec | undefined;
}

const CNAMES = ["lz4", "lz4hc", "zstd", "zlib", "blosclz"];
const SHUFFLES = ["noshuffle", "shuffle", "bitshuffle"];

function level(value: unknown, fallback: number, min: number, max: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new ZarrOptionError(`create: ${option} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, option);
  }
  return value as number;
}

function oneOf(value: unknown, allowed: string[], fallback: string, option: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new ZarrOptionError(`create: ${option} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`, option);
  }
  return value;
}

export function resolveCodecOption(option: unknown, typesize: number): ResolvedCodec {
  const given = typeof option === "string" ? { name: option } : option ?? { name: "zstd" };
  const name = typeof given === "object" ? (given as { name?: unknown }).name : undefined;
  const o = given as Record<string, unknown>;
  switch (name) {
    case "none":
      return { v2: null, v3: undefined };
    case "zstd": {
      const l = level(o.level, 1, -7, 22, "codec.level");
      return { v2: { id: "zstd", level: l }, v3: { name: "zstd", configuration: { level: l, checksum: false } } };
    }
    case "gzip": {
      const l = level(o.level, 1, 0, 9, "codec.level");
      return { v2: { id: "gzip", level: l }, v3: { name: "gzip", configuration: { level: l } } };
    }
    case "zlib": {
      // Zarr v3 has no core zlib codec; zarr-python 3 reads it as "numcodecs.zlib".
      const l = level(o.level, 1, 0, 9, "codec.level");
      return { v2: { id: "zlib", level: l }, v3: { name: "numcodecs.zlib", configuration: { level: l } } };
    }
    case "blosc": {
      const cname = oneOf(o.cname, CNAMES, "lz4", "codec.cname");
      const clevel = level(o.clevel, 5, 0, 9, "codec.clevel");
      const shuffle = oneOf(o.shuffle, SHUFFLES, "shuffle", "codec.shuffle");
      return {
        v2: { id: "blosc", cname, clevel, shuffle: SHUFFLES.indexOf(shuffle), blocksize: 0 },
        v3: { name: "blosc", configuration: { cname, clevel, shuffle, typesize: typesize, blocksize: 0 } },
      };
    }
    default:
      throw new ZarrOptionError(
        `create: codec must be one of "none", "zstd", "blosc", "gzip", "zlib" (or an object with that name), got ${JSON.stringify(option)}`,
        "codec",
      );
  }
}
