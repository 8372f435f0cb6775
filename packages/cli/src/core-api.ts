/**
 * The library calls the CLI drives, in one place. Importing @parazarr/netcdf
 * registers the NetCDF format by module, so every worker of every plan can
 * open the files itself.
 */
import { netcdf } from "@parazarr/netcdf";

export {
  convert,
  createTemplate,
  writeFromSource,
  status,
  validate,
  isConvertFailedError,
  type ConvertProgress,
  type ConvertSummary,
} from "@parazarr/core";

export const netcdfSources = (paths: readonly string[]) => netcdf([...paths]);
export const netcdfSource = (path: string) => netcdf([path])[0]!;
