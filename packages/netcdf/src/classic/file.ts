/** A classic (CDF-1) or 64-bit offset (CDF-2) file as a SourceFile: one file handle, positioned reads. */
import type { FileHandle } from "node:fs/promises";
import type { SourceFile, SourceIdentity } from "@parazarr/core";
import { checkBox, variableToRead } from "../box.js";
import { NetcdfSourceError } from "../errors.js";
import { HeaderReader } from "./header-reader.js";
import { readHeader } from "./header.js";
import { readHyperslab } from "./hyperslab.js";
import { layoutOf } from "./layout.js";

export interface LocalFile {
  readonly url: string;
  /** The name shown in errors: the path or URL the user gave. */
  readonly file: string;
  readonly handle: FileHandle;
  readonly size: number;
  readonly identity: SourceIdentity;
  /** Closes the handle and removes a downloaded temporary. */
  readonly release: () => Promise<void>;
}

export async function openClassic(local: LocalFile, version: 1 | 2): Promise<SourceFile> {
  const { file, handle, size } = local;
  const header = await readHeader(new HeaderReader(handle, size, file), version, file);
  const { dimensions, variables, layouts, skipped } = layoutOf(header, size, file);
  let closed: Promise<void> | undefined;
  return {
    url: local.url,
    kind: version === 1 ? "cdf1" : "cdf2",
    identity: local.identity,
    dimensions,
    variables,
    skipped,
    attributes: header.attributes,
    async read(name, box, options) {
      const variable = variableToRead(file, variables, skipped, name);
      checkBox(file, variable, box);
      if (closed !== undefined) throw new NetcdfSourceError(file, "read after close()");
      return readHyperslab(handle, file, layouts[name]!, box, options?.signal);
    },
    close() {
      closed ??= local.release();
      return closed;
    },
  };
}
