/**
 * `netcdf(paths)`: the SourceSpecs a conversion takes. Runs on the caller's
 * side, so a relative path is made absolute against the caller's working
 * directory before it travels to a worker that may have another one.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SourceSpec } from "@parazarr/core";
import { NetcdfSourceError } from "./errors.js";

const SCHEMES = new Set(["file", "s3", "http", "https"]);

export function netcdf(paths: string | URL | readonly (string | URL)[]): SourceSpec[] {
  const list: readonly unknown[] = typeof paths === "string" || paths instanceof URL ? [paths] : Array.isArray(paths) ? paths : [paths];
  return list.map((path) => ({ url: sourceUrl(path), format: "netcdf" }));
}

function sourceUrl(path: unknown): string {
  if (path instanceof URL) return checked(path.href);
  if (typeof path !== "string" || path.length === 0) {
    throw new NetcdfSourceError(String(path), `a NetCDF source is a path or a URL (file://, s3://, http(s)://), got ${JSON.stringify(path) ?? String(path)}`);
  }
  // A one-letter "scheme" is a Windows drive, i.e. a path.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(path)?.[1]?.toLowerCase();
  if (scheme === undefined) return pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  return checked(path);
}

function checked(url: string): string {
  const scheme = url.slice(0, url.indexOf(":")).toLowerCase();
  if (!SCHEMES.has(scheme)) {
    throw new NetcdfSourceError(url, `unsupported URL scheme "${scheme}:"; NetCDF sources are paths, file:///path, s3://bucket/key or http(s)://…`);
  }
  const u = URL.canParse(url) ? new URL(url) : undefined;
  if (u !== undefined && (u.username !== "" || u.password !== "")) {
    throw new NetcdfSourceError(`${scheme}://***@…`, "the URL carries a user name or password; source URLs travel in task messages and credentials come from each worker's environment only");
  }
  return url;
}
