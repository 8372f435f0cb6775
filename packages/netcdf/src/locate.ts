/**
 * Turns a source URL into a local file this worker can read: a file:// URL
 * or an absolute path as it is, s3:// and http(s):// downloaded first. The
 * file is opened once here; the readers read through this handle (classic)
 * or reopen the path (h5wasm, which reads by path).
 */
import { open, type FileHandle } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import type { SourceIdentity } from "@parazarr/core";
import { NetcdfNotFoundError, NetcdfSourceError } from "./errors.js";
import { downloadHttp, downloadS3 } from "./remote.js";

export interface Located {
  readonly url: string;
  /** How errors name the file: its path, or the remote URL. */
  readonly file: string;
  readonly path: string;
  readonly handle: FileHandle;
  readonly size: number;
  readonly identity: SourceIdentity;
  readonly release: () => Promise<void>;
}

export async function locate(url: string, signal?: AbortSignal): Promise<Located> {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "file") refuseCredentials(url);
  if (scheme === "s3" || scheme === "http" || scheme === "https") {
    const downloaded = scheme === "s3" ? await downloadS3(url, signal) : await downloadHttp(url, signal);
    try {
      const handle = await open(downloaded.path, "r");
      const release = once(async () => {
        await handle.close();
        await downloaded.remove();
      });
      return { url, file: url, path: downloaded.path, handle, size: downloaded.identity.size, identity: downloaded.identity, release };
    } catch (error) {
      await downloaded.remove();
      throw error;
    }
  }
  const path = localPath(url, scheme);
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new NetcdfNotFoundError(path, { cause });
    throw new NetcdfSourceError(path, `cannot be opened (${code ?? (cause as Error).message})`, { cause });
  }
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw new NetcdfSourceError(path, "is not a regular file");
  }
  return { url, file: path, path, handle, size: stat.size, identity: { size: stat.size, mtimeMs: stat.mtimeMs }, release: once(() => handle.close()) };
}

function localPath(url: string, scheme: string | undefined): string {
  if (scheme === undefined) {
    if (!isAbsolute(url)) throw new NetcdfSourceError(url, "a relative path reaches a worker unresolved; name sources with netcdf(paths), which makes them absolute file:// URLs");
    return url;
  }
  if (scheme !== "file") throw new NetcdfSourceError(url, `unsupported URL scheme "${scheme}:"; NetCDF sources are file:///path, s3://bucket/key or http(s)://…`);
  try {
    return fileURLToPath(url);
  } catch (cause) {
    throw new NetcdfSourceError(url, `is not a file URL this machine can open (${(cause as Error).message})`, { cause });
  }
}

/** A source URL travels in task messages, so user info in it would too: refused without echoing it. */
function refuseCredentials(url: string): void {
  let withUserInfo = false;
  try {
    const u = new URL(url);
    withUserInfo = u.username !== "" || u.password !== "";
  } catch {
    withUserInfo = /^[a-z0-9+.-]+:\/\/[^/]*@/i.test(url);
  }
  if (withUserInfo) {
    const shown = url.replace(/^([a-z0-9+.-]+:\/\/)[^/]*@/i, "$1***@");
    throw new NetcdfSourceError(shown, "the URL carries a user name or password; credentials come from each worker's environment only");
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
