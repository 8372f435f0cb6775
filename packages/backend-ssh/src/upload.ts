/**
 * A host's CodeStore: bundles go over SFTP to `<remoteDir>/<hash>/<name>`,
 * written under a temporary name and renamed into place, so a host never
 * sees a half-written bundle (two coordinators uploading at once both
 * rename complete files). A bundle already there is not sent again.
 * What to ship and when is @parazarr/remote's Shipper's business.
 */
import { randomBytes } from "node:crypto";
import { posix } from "node:path";
import type { SFTPWrapper, Stats } from "ssh2";
import type { Bundle, CodeStore } from "@parazarr/remote";

function call<T>(fn: (callback: (error: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
}

const stat = (sftp: SFTPWrapper, path: string) =>
  call<Stats>((cb) => sftp.stat(path, cb)).catch(() => undefined);

/** The login directory, which OpenSSH's SFTP server starts in. */
export const homeDirectory = (sftp: SFTPWrapper): Promise<string> => call<string>((cb) => sftp.realpath(".", cb));

/** `~/x` and relative paths are taken from the home directory. */
export function resolveRemoteDir(remoteDir: string, home: string): string {
  if (remoteDir === "~") return home;
  if (remoteDir.startsWith("~/")) return posix.join(home, remoteDir.slice(2));
  return posix.isAbsolute(remoteDir) ? remoteDir : posix.join(home, remoteDir);
}

async function makeDirectories(sftp: SFTPWrapper, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; at !== "/" && at !== "." && (await stat(sftp, at)) === undefined; at = posix.dirname(at)) {
    missing.unshift(at);
  }
  for (const path of missing) {
    // Another uploader may create it between our stat and mkdir: check after.
    await call<void>((cb) => sftp.mkdir(path, (e) => cb(e, undefined))).catch(async (error: unknown) => {
      if (!(await stat(sftp, path))?.isDirectory()) throw error;
    });
  }
}

function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  // The OpenSSH extension is POSIX rename (replaces atomically); plain
  // SFTP v3 rename refuses an existing target.
  return call<void>((cb) => sftp.ext_openssh_rename(from, to, (e) => cb(e, undefined))).catch(() =>
    call<void>((cb) => sftp.rename(from, to, (e) => cb(e, undefined))),
  );
}

export interface Upload {
  /** Absolute path of the bundle on the host. */
  readonly path: string;
  /** False when the host already had it. */
  readonly uploaded: boolean;
}

/** Puts a bundle on the host unless it is there already. */
export async function uploadOnce(sftp: SFTPWrapper, baseDir: string, bundle: Bundle): Promise<Upload> {
  const dir = posix.join(baseDir, bundle.hash);
  const path = posix.join(dir, bundle.name);
  // The hash is in the path, so a file of the right size is the right file.
  if ((await stat(sftp, path))?.size === bundle.code.length) return { path, uploaded: false };
  await makeDirectories(sftp, dir);
  const temporary = posix.join(dir, `.${bundle.name}.${randomBytes(6).toString("hex")}.tmp`);
  await call<void>((cb) => sftp.writeFile(temporary, bundle.code, (e) => cb(e, undefined)));
  try {
    await rename(sftp, temporary, path);
  } catch (error) {
    await call<void>((cb) => sftp.unlink(temporary, (e) => cb(e, undefined))).catch(() => undefined);
    if ((await stat(sftp, path))?.size !== bundle.code.length) throw error;
  }
  return { path, uploaded: true };
}

/** A `file:` URL for a POSIX path on the host (not this machine's path rules). */
function fileUrl(path: string): string {
  return `file://${path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The host's `<baseDir>`, as a CodeStore; an error names the bundle and where it was going. */
export function sftpCodeStore(sftp: SFTPWrapper, baseDir: string): CodeStore {
  return {
    put: (bundle) =>
      uploadOnce(sftp, baseDir, bundle).then(
        ({ path }) => fileUrl(path),
        (error: Error) => {
          throw new Error(`uploading ${bundle.name} to ${posix.join(baseDir, bundle.hash)} failed: ${error.message}`, { cause: error });
        },
      ),
  };
}
