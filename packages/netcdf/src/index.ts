/**
 * `@parazarr/netcdf`: NetCDF sources for parazarr's conversion workflow.
 * Importing it registers the "netcdf" format by module, so every worker of
 * every plan (threads, processes, ssh) imports this module too and can open
 * the files itself.
 */
import { registerSourceFormat } from "@parazarr/core";
import { netcdfFormat } from "./open.js";

registerSourceFormat(import.meta.url, "netcdf", async () => netcdfFormat);

export { netcdf } from "./spec.js";
export { netcdfFormat, openNetcdf } from "./open.js";
export {
  NetcdfFormatError,
  NetcdfNotFoundError,
  NetcdfSelectionError,
  NetcdfSourceError,
  isNetcdfFormatError,
  isNetcdfNotFoundError,
  isNetcdfSelectionError,
  isNetcdfSourceError,
} from "./errors.js";
