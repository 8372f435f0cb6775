/**
 * Turns what a user passes as inputs (SourceSpecs from a format package, or
 * plain paths and URLs when one format is registered) into specs a worker
 * can open: relative paths become absolute file:// URLs here, on the
 * caller's side, as store specs do. Checked before anything runs.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { redactUrl } from "../redact.js";
import { refuseCredentials } from "../zarr/stores/index.js";
import { registeredSourceFormats } from "../sources/registry.js";
import type { SourceSpec } from "../sources/source.js";
import { ConvertOptionError } from "./workflow-errors.js";

export type SourceInput = string | URL | SourceSpec;

function urlOf(input: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(input)) return input;
  return pathToFileURL(isAbsolute(input) ? input : resolve(input)).href;
}

function formatFor(where: string, url: string): string {
  const formats = registeredSourceFormats();
  if (formats.length === 1) return formats[0]!;
  throw new ConvertOptionError(
    formats.length === 0
      ? `${where}: no source format is registered to open ${JSON.stringify(redactUrl(url))}; install and import one (npm install @parazarr/netcdf, then import the package in your script)`
      : `${where}: several source formats are registered (${formats.join(", ")}); pass sources as { url, format } (netcdf(paths) does that)`,
    "inputs",
  );
}

export function toSourceSpec(where: string, input: SourceInput): SourceSpec {
  if (input instanceof URL) return toSourceSpec(where, input.href);
  if (typeof input === "string") {
    if (input === "") throw new ConvertOptionError(`${where}: an input is an empty string`, "inputs");
    const url = urlOf(input);
    refuseCredentials(url);
    return { url, format: formatFor(where, url) };
  }
  if (typeof input !== "object" || input === null || typeof input.url !== "string" || typeof input.format !== "string") {
    throw new ConvertOptionError(`${where}: an input must be a path, a URL or { url, format }, got ${JSON.stringify(input)}`, "inputs");
  }
  const url = urlOf(input.url);
  refuseCredentials(url);
  return { url, format: input.format };
}

export function toSourceSpecs(where: string, inputs: Iterable<SourceInput>): SourceSpec[] {
  if (inputs === null || typeof inputs !== "object" || !(Symbol.iterator in inputs) || typeof inputs === "string") {
    throw new ConvertOptionError(`${where}: inputs must be a list of paths, URLs or sources`, "inputs");
  }
  const specs = [...inputs].map((input) => toSourceSpec(where, input));
  if (specs.length === 0) throw new ConvertOptionError(`${where}: no inputs given (an empty list, or a glob that matched nothing?)`, "inputs");
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.url)) throw new ConvertOptionError(`${where}: ${redactUrl(spec.url)} is given twice`, "inputs");
    seen.add(spec.url);
  }
  return specs;
}
