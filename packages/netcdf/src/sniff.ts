/**
 * The format a file holds, from its magic bytes: "CDF" and a version byte
 * for the classic family (1 classic, 2 64-bit offset, 5 64-bit data), or
 * HDF5's signature, which a file with a user block carries at 512, 1024,
 * 2048… instead of 0 (the HDF5 specification: the superblock sits at 0 or
 * a power of two from 512 on).
 */
import type { FileHandle } from "node:fs/promises";
import { NetcdfFormatError } from "./errors.js";

export type Kind = "cdf1" | "cdf2" | "netcdf4";

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function sniff(handle: FileHandle, size: number, file: string): Promise<Kind> {
  const head = Buffer.alloc(Math.min(8, size));
  await handle.read(head, 0, head.length, 0);
  if (head.subarray(0, 3).toString("latin1") === "CDF" && head.length >= 4) {
    const version = head[3];
    if (version === 1) return "cdf1";
    if (version === 2) return "cdf2";
    if (version === 5) throw new NetcdfFormatError(file, "CDF-5 (64-bit data) is not supported; convert it with nccopy -k nc4 (NETCDF4) or -k nc6 (64-bit offset)");
    throw new NetcdfFormatError(file, `classic NetCDF version ${version} is unknown (expected 1, 2 or 5)`);
  }
  const probe = Buffer.alloc(8);
  for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
    const { bytesRead } = await handle.read(probe, 0, 8, at);
    if (bytesRead === 8 && probe.equals(HDF5_SIGNATURE)) return "netcdf4";
  }
  const seen = [...head].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)).join("");
  throw new NetcdfFormatError(file, `not a NetCDF file: it starts with "${seen}" (${size} bytes), not "CDF\\x01", "CDF\\x02" or the HDF5 signature`);
}
