/**
 * `--config FILE`: options written once (a cluster's plan, the chunking of
 * a collection) in JSON or YAML, keyed by the long option names
 * (`plan: "ssh:h1,h2/threads:4"`, `chunks: { time: 100 }` or
 * `chunks: "time=100"`). The command line wins over the file. Values are
 * turned into their command-line spelling, so one parser checks both.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./errors.js";

/** Every option a config file may set, as kebab-case names. */
export const CONFIG_KEYS = [
  "plan", "retries", "chunks", "target-chunk-mb", "access-pattern", "variables", "drop-variables", "zarr-format", "codec",
  "global-start", "global-end", "freq", "inputs-from", "json", "quiet", "verbose", "deep",
] as const;

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The file's options as commander keys (`targetChunkMb`) → command-line values. */
export function readConfigFile(path: string): Map<string, string | boolean> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`--config: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "config");
  }
  let data: unknown;
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    data = parseYaml(text);
  } catch (error) {
    throw new UsageError(`--config: ${path} is neither JSON nor YAML: ${(error as Error).message.split("\n")[0]}`, "config");
  }
  if (data === null || data === undefined) return new Map();
  if (typeof data !== "object" || Array.isArray(data)) throw new UsageError(`--config: ${path} must hold a mapping of option names to values`, "config");
  const options = new Map<string, string | boolean>();
  for (const [key, value] of Object.entries(data)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(`--config: ${path} sets an unknown option ${JSON.stringify(key)}; known: ${CONFIG_KEYS.join(", ")}`, "config");
    }
    options.set(camel(key), asOptionValue(key, value, path));
  }
  return options;
}

function asOptionValue(key: string, value: unknown, path: string): string | boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(",");
  if (key === "chunks" && typeof value === "object" && value !== null) {
    return Object.entries(value).map(([dim, n]) => `${dim}=${String(n)}`).join(",");
  }
  throw new UsageError(`--config: ${path}: ${key} must be a string, number, list or (chunks) a mapping, got ${JSON.stringify(value)}`, "config");
}
