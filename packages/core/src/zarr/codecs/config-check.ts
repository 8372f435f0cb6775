/**
 * Configurations of the built-in codecs, checked when metadata is read.
 * numcodecs 0.3.2 takes whatever it is given and fails later with a plain
 * Error (zstd `level: "abc"`), or not at all: blosc `clevel: 99` and Node's
 * zlib codecs fell back to a default level without a word. A field that is
 * absent takes the codec's default; one that is present must be valid.
 * Codecs parazarr does not know are left to their own implementation.
 */
import { MetadataError } from "../errors.js";

type Config = Readonly<Record<string, unknown>>;
type Check = (config: Config, field: string) => void;

function wholeNumber(config: Config, name: string, min: number, max: number, field: string): void {
  const value = config[name];
  if (value === undefined || value === null) return;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new MetadataError(
      `${field}.${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      `${field}.${name}`,
    );
  }
}

function oneOf(config: Config, name: string, allowed: readonly unknown[], field: string): void {
  const value = config[name];
  if (value === undefined || allowed.includes(value)) return;
  throw new MetadataError(
    `${field}.${name}: expected one of ${allowed.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(value)}`,
    `${field}.${name}`,
  );
}

// zstd's own limits (ZSTD_minCLevel() … ZSTD_maxCLevel()); 0 means its default.
const zstd: Check = (c, f) => wholeNumber(c, "level", -131072, 22, f);
const gzip: Check = (c, f) => wholeNumber(c, "level", 0, 9, f);
// zlib and numcodecs accept -1 for "zlib's default".
const zlib: Check = (c, f) => wholeNumber(c, "level", -1, 9, f);
const blosc: Check = (c, f) => {
  oneOf(c, "cname", ["blosclz", "lz4", "lz4hc", "zlib", "zstd", "snappy"], f);
  wholeNumber(c, "clevel", 0, 9, f);
  // -1 is numcodecs' AUTOSHUFFLE; v3 spells the others as strings.
  oneOf(c, "shuffle", [-1, 0, 1, 2, "noshuffle", "shuffle", "bitshuffle"], f);
  wholeNumber(c, "blocksize", 0, 2 ** 31 - 1, f);
  wholeNumber(c, "typesize", 1, 255, f);
};
const bytes: Check = (c, f) => oneOf(c, "endian", ["little", "big"], f);

const CHECKS: Record<string, Check> = {
  zstd, "numcodecs.zstd": zstd,
  gzip, "numcodecs.gzip": gzip,
  "numcodecs.zlib": zlib, zlib,
  blosc, "numcodecs.blosc": blosc,
  bytes,
};

/** Throws a MetadataError naming `field.<option>` when a built-in codec's configuration is invalid. */
export function checkCodecConfig(name: string, configuration: Config, field: string): void {
  CHECKS[name]?.(configuration, field);
}
