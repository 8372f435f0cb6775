/**
 * The values of the command line's options, parsed once, here: each
 * refusal is a UsageError that names the option, what was given and what
 * is allowed. Ranges are left to core's checks (which name them too).
 */
import type { AccessPattern, CodecOption } from "@parazarr/core";
import { UsageError } from "./errors.js";

const bad = (option: string, given: string, allowed: string): never => {
  throw new UsageError(`--${option}: ${JSON.stringify(given)} is not ${allowed}`, option);
};

/** "time=100,lat=50" → { time: 100, lat: 50 }. */
export function parseChunks(text: string): Record<string, number> {
  const chunks: Record<string, number> = {};
  for (const part of text.split(",")) {
    const m = /^\s*([^=\s]+)\s*=\s*(\d+)\s*$/.exec(part);
    if (m === null || Number(m[2]) < 1) bad("chunks", text, "a list of DIM=LENGTH such as time=100,lat=50");
    if (m![1]! in chunks) bad("chunks", text, `a list naming each dimension once (${m![1]} appears twice)`);
    chunks[m![1]!] = Number(m![2]);
  }
  return chunks;
}

/** "a,b" → ["a", "b"]. */
export function parseList(option: string, text: string): string[] {
  const names = text.split(",").map((s) => s.trim());
  if (names.some((n) => n === "")) bad(option, text, "a comma-separated list of variable names such as t2m,sst");
  return names;
}

export function parseNumber(option: string, text: string, { integer = false, min = 0 } = {}): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    bad(option, text, integer ? `a whole number ≥ ${min}` : `a number ≥ ${min}`);
  }
  return n;
}

export function parsePositive(option: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) bad(option, text, "a number > 0");
  return n;
}

export function parseZarrFormat(text: string): 2 | 3 {
  if (text !== "2" && text !== "3") bad("zarr-format", text, "2 or 3");
  return Number(text) as 2 | 3;
}

export function parseAccessPattern(text: string): AccessPattern {
  if (!["temporal", "spatial", "balanced"].includes(text)) bad("access-pattern", text, "temporal, spatial or balanced");
  return text as AccessPattern;
}

const CODEC_FORMS = "none, zstd[:LEVEL], gzip[:LEVEL], zlib[:LEVEL] or blosc[:CNAME[:CLEVEL[:SHUFFLE]]] (such as zstd:3 or blosc:zstd:3:shuffle)";

const LEVELS: Record<string, [number, number]> = { zstd: [-7, 22], gzip: [0, 9], zlib: [0, 9], blosc: [0, 9] };
const CNAMES = ["lz4", "lz4hc", "zstd", "zlib", "blosclz"];
const SHUFFLES = ["noshuffle", "shuffle", "bitshuffle"];

/**
 * "zstd:3" | "blosc:zstd:3:shuffle" | "gzip:1" | "none". The ranges are
 * core's (zarr/codec-option.ts), which convert checks before it writes; they
 * are checked here as well so that the refusal quotes what was typed after
 * --codec rather than the option object it became. Keep the two in step.
 */
export function parseCodec(text: string): CodecOption {
  const [name, ...rest] = text.split(":");
  const level = (s: string | undefined): number | undefined => {
    if (s === undefined) return undefined;
    const [min, max] = LEVELS[name!]!;
    if (!/^-?\d+$/.test(s) || Number(s) < min || Number(s) > max) bad("codec", text, `valid: the ${name} level must be a whole number from ${min} to ${max}`);
    return Number(s);
  };
  switch (name) {
    case "none":
      if (rest.length > 0) bad("codec", text, CODEC_FORMS);
      return { name: "none" };
    case "zstd":
    case "gzip":
    case "zlib": {
      if (rest.length > 1) bad("codec", text, CODEC_FORMS);
      const l = level(rest[0]);
      return l === undefined ? { name } : { name, level: l };
    }
    case "blosc": {
      if (rest.length > 3) bad("codec", text, CODEC_FORMS);
      const [cname, clevel, shuffle] = rest;
      if (cname !== undefined && !CNAMES.includes(cname)) bad("codec", text, `valid: blosc's compressor must be one of ${CNAMES.join(", ")}`);
      if (shuffle !== undefined && !SHUFFLES.includes(shuffle)) bad("codec", text, `valid: blosc's shuffle must be one of ${SHUFFLES.join(", ")}`);
      return {
        name: "blosc",
        ...(cname === undefined ? {} : { cname: cname as "zstd" }),
        ...(clevel === undefined ? {} : { clevel: level(clevel)! }),
        ...(shuffle === undefined ? {} : { shuffle: shuffle as "shuffle" }),
      };
    }
    default:
      return bad("codec", text, CODEC_FORMS);
  }
}

/** "time=0:100" or "0:100" → [0, 100): archive time indices. */
export function parseRegion(text: string): { dimension: string | undefined; range: [number, number] } {
  const m = /^\s*(?:([^=\s]+)\s*=\s*)?(\d+)\s*:\s*(\d+)\s*$/.exec(text);
  if (m === null || Number(m[3]) <= Number(m[2])) bad("region", text, "DIM=START:STOP with START < STOP, such as time=0:100");
  return { dimension: m![1], range: [Number(m![2]), Number(m![3])] };
}
