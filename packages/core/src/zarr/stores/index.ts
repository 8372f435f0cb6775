/**
 * Opens a store from its spec. Workers call this for every task, so opened
 * stores are cached per process (per thread): the first task pays for the
 * connection, later ones find it warm.
 */
import { isAbsolute, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { hasUserInfo, redactUrl } from "../../redact.js";
import { StoreSpecError } from "./errors.js";
import { openFileStore } from "./file.js";
import { withFileErrors } from "./file-errors.js";
import { openHttpStore } from "./http.js";
import { guardKeys } from "./key-guard.js";
import { openS3Store } from "./s3.js";
import type { Store, StoreSpec } from "./types.js";

export type { Store, StoreKey, StoreOptions, StoreSpec } from "./types.js";
export { checkStoreKey } from "./key-guard.js";

const opened = new Map<string, Promise<Store>>();

type Scheme = "file" | "http" | "s3";

function schemeOf(url: string): Scheme {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  // A one-letter "scheme" is a Windows drive ("C:\data"), i.e. a path.
  if (match === null || match[1]!.length === 1) return "file";
  const scheme = match[1]!.toLowerCase();
  if (scheme === "file") return "file";
  if (scheme === "http" || scheme === "https") return "http";
  if (scheme === "s3") return "s3";
  throw new StoreSpecError(
    `unsupported store URL scheme "${scheme}:" in ${JSON.stringify(redactUrl(url))}; use file:///path, a path, http(s)://… or s3://bucket/prefix`,
    url,
  );
}

/**
 * A store URL travels in every task message, to every worker and host, so a
 * user name or password in it would too: refused, whatever the scheme, with
 * the URL shown redacted. Credentials come from each worker's environment.
 */
export function refuseCredentials(url: string): void {
  if (!hasUserInfo(url)) return;
  throw new StoreSpecError(
    `the store URL ${JSON.stringify(redactUrl(url))} carries a user name or password; store URLs travel in task messages and must not hold credentials ` +
      "(s3:// takes them from the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance or task role)",
    url,
  );
}

/**
 * Turns what a user typed (a path, a URL, a spec) into the spec a worker
 * rebuilds the store from. Relative paths become absolute `file://` URLs
 * here, on the caller's side, so a worker with another working directory
 * finds the same files.
 */
export function normalizeStoreSpec(input: string | StoreSpec): StoreSpec {
  const spec: StoreSpec = typeof input === "string" ? { url: input } : input;
  if (typeof spec !== "object" || spec === null || typeof spec.url !== "string" || spec.url.length === 0) {
    throw new StoreSpecError(`a store is named by a URL or a path, got ${JSON.stringify(input)}`, String(input));
  }
  refuseCredentials(spec.url);
  if (schemeOf(spec.url) !== "file") return spec;
  if (spec.url.startsWith("file:")) {
    filePathOf(spec.url);
    return spec;
  }
  const absolute = isAbsolute(spec.url) ? spec.url : resolve(spec.url);
  return { ...spec, url: pathToFileURL(absolute).href };
}

/**
 * The local path of a file:// URL. Node's `fileURLToPath` throws a raw
 * TypeError for a host ("file://otherhost/data": this machine cannot open
 * another machine's disk) and for an encoded "/" in the path.
 */
export function filePathOf(url: string): string {
  let host = "";
  try {
    host = new URL(url).hostname;
    if (host === "" || host === "localhost") return fileURLToPath(url);
  } catch (cause) {
    throw new StoreSpecError(`${redactUrl(url)} is not a file URL this machine can open (${(cause as Error).message})`, redactUrl(url));
  }
  throw new StoreSpecError(
    `${redactUrl(url)} names a file on the host ${JSON.stringify(host)}; a file:// store must be on this machine ` +
      `(file:///path or file://localhost/path): mount the other machine's disk, or serve it over http(s):// or s3://`,
    redactUrl(url),
  );
}

async function openUnguarded(spec: StoreSpec): Promise<Store> {
  refuseCredentials(spec.url);
  switch (schemeOf(spec.url)) {
    case "file": {
      const url = normalizeStoreSpec(spec).url;
      const root = filePathOf(url);
      return withFileErrors(openFileStore(root), url, root);
    }
    case "http":
      return openHttpStore(spec);
    case "s3":
      return openS3Store(spec);
  }
}

/** The store a spec names, opened once per process and wrapped so no key escapes its root. */
export function openStore(spec: StoreSpec): Promise<Store> {
  const id = JSON.stringify([spec.url, spec.options ?? {}]);
  let store = opened.get(id);
  if (store === undefined) {
    store = openUnguarded(spec).then((inner) => guardKeys(inner, spec.url));
    // A failed open is not cached: the endpoint may come up later.
    store.catch(() => opened.delete(id));
    opened.set(id, store);
  }
  return store;
}
