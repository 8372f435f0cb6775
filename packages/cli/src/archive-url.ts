/** ARCHIVE on the command line: a URL (file://, s3://, https://) as given, or a path, made absolute. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

export function archiveUrl(archive: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(archive) ? archive : pathToFileURL(resolve(archive)).href;
}
