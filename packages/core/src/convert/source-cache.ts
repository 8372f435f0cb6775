/**
 * Open sources, kept per worker (per thread, per process). A conversion task
 * reads one variable's slab from each file that overlaps its chunks, and the
 * next task (the next variable, the next spatial block) usually reads the
 * same files: opening an HDF5 file costs milliseconds, a download from S3
 * far more. A few files stay open; the least recently used is closed when
 * another is opened, so handles and WASM memory stay bounded.
 */
import { sourceFormatOf } from "../sources/registry.js";
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { SourceFile, SourceIdentity, SourceSpec } from "../sources/source.js";

const KEEP_OPEN = 8;
const open = new Map<string, Promise<SourceFile>>();

function keyOf(spec: SourceSpec): string {
  return `${spec.format} ${spec.url}`;
}

/** The source, opened on this worker once and kept for the next tasks. */
export async function openCachedSource(spec: SourceSpec, signal?: AbortSignal): Promise<SourceFile> {
  const key = keyOf(spec);
  let file = open.get(key);
  if (file !== undefined) {
    // Most recently used last.
    open.delete(key);
    open.set(key, file);
    return file;
  }
  file = sourceFormatOf(spec).then((format) => format.open(spec.url, { signal }));
  open.set(key, file);
  file.catch(() => open.delete(key));
  while (open.size > KEEP_OPEN) {
    const [oldest, promise] = open.entries().next().value as [string, Promise<SourceFile>];
    open.delete(oldest);
    void promise.then((f) => f.close()).catch(() => undefined);
  }
  return file;
}

/** Closes a source whose identity changed under us, so the next open reads it afresh. */
export async function forgetSource(spec: SourceSpec): Promise<void> {
  const key = keyOf(spec);
  const file = open.get(key);
  open.delete(key);
  await file?.then((f) => f.close()).catch(() => undefined);
}

/**
 * The source's identity as it is on disk now, for file:// sources (a stat
 * is cheap); for others, the identity seen when it was opened. A worker
 * keeps files open across runs, so an open file may be older than the disk.
 */
export async function currentIdentity(spec: SourceSpec, opened: SourceIdentity): Promise<SourceIdentity> {
  if (!spec.url.startsWith("file:")) return opened;
  try {
    const info = await stat(fileURLToPath(spec.url));
    return { ...opened, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return { ...opened, size: -1 };
  }
}
