/**
 * Shipped modules (`s3://…/code/<hash>/<name>`) made local for import:
 * each is downloaded once into `<tmp>/parazarr-code/<hash>/<name>`, the
 * layout the bootstrap used for child.mjs and core.mjs, so a bundle's
 * `../<core hash>/core.mjs` is the core already loaded. Written under a
 * temporary name and renamed: a thread never imports half a file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ObjectStore } from "../s3.js";

export const codeRoot = (): string => join(tmpdir(), "parazarr-code");

export async function localizeModule(store: ObjectStore, url: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.*\/)?([0-9a-f]{8,64})\/([^/]+)$/.exec(url);
  if (match === null || match[1] !== store.bucket) throw new Error(`cannot fetch module ${url}: not a bundle in the staging bucket s3://${store.bucket}`);
  const [, , keyHead = "", hash = "", name = ""] = match;
  const path = join(codeRoot(), hash, name);
  // The hash is in the path: a file there is the right file.
  if (await stat(path).then(() => true, () => false)) return pathToFileURL(path).href;
  const key = `${keyHead}${hash}/${name}`;
  const code = await store.get(key);
  if (code === undefined) throw new Error(`module ${url} is not in S3 (was the staging prefix cleaned while the plan ran?)`);
  await mkdir(join(codeRoot(), hash), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, code);
  await rename(temporary, path);
  return pathToFileURL(path).href;
}
