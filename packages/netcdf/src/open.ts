/** Opens a NetCDF source: locate (download if remote), sniff the magic bytes, hand the file to its reader. */
import type { SourceFile, SourceFormat } from "@parazarr/core";
import { openClassic } from "./classic/file.js";
import { openHdf5 } from "./hdf5/file.js";
import { locate } from "./locate.js";
import { sniff } from "./sniff.js";

/** Opens `url` (file:///…, an absolute path, s3://bucket/key or http(s)://…) in this process. */
export async function openNetcdf(url: string | URL, options?: { readonly signal?: AbortSignal }): Promise<SourceFile> {
  const href = url instanceof URL ? url.href : url;
  const located = await locate(href, options?.signal);
  try {
    const kind = await sniff(located.handle, located.size, located.file);
    // h5wasm opens the path itself; our handle stays open until close() all the same,
    // which keeps a downloaded temporary's file alive however the directory is treated.
    if (kind === "netcdf4") return await openHdf5(located);
    return await openClassic(located, kind === "cdf1" ? 1 : 2);
  } catch (error) {
    await located.release();
    throw error;
  }
}

export const netcdfFormat: SourceFormat = {
  name: "netcdf",
  open: (url, options) => openNetcdf(url, options),
};
