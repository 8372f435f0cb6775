/**
 * The errors this package raises on purpose, each tagged with a guard, each
 * naming the file (as the user gave it) and the offending thing.
 */
import { ParazarrError } from "@parazarr/core";

const tagged = (tag: string) => (e: unknown): boolean =>
  typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === tag;

/** The file is not one this package reads: not NetCDF, CDF-5, or a corrupt or truncated header or data section. */
export class NetcdfFormatError extends ParazarrError {
  readonly _tag = "NetcdfFormatError" as const;
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = "NetcdfFormatError";
  }
}
export const isNetcdfFormatError = tagged("NetcdfFormatError") as (e: unknown) => e is NetcdfFormatError;

/** The file (or S3 object, or HTTP resource) does not exist. */
export class NetcdfNotFoundError extends ParazarrError {
  readonly _tag = "NetcdfNotFoundError" as const;
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: no such NetCDF file`, options);
    this.name = "NetcdfNotFoundError";
  }
}
export const isNetcdfNotFoundError = tagged("NetcdfNotFoundError") as (e: unknown) => e is NetcdfNotFoundError;

/** A read asked for a variable the file does not have (or skipped), or a box that does not fit it. */
export class NetcdfSelectionError extends ParazarrError {
  readonly _tag = "NetcdfSelectionError" as const;
  constructor(
    readonly file: string,
    readonly variable: string,
    reason: string,
  ) {
    super(`${file}: variable ${JSON.stringify(variable)}: ${reason}`);
    this.name = "NetcdfSelectionError";
  }
}
export const isNetcdfSelectionError = tagged("NetcdfSelectionError") as (e: unknown) => e is NetcdfSelectionError;

/** A URL this package cannot open (scheme, host, credentials in it), or a download that failed. */
export class NetcdfSourceError extends ParazarrError {
  readonly _tag = "NetcdfSourceError" as const;
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
    this.name = "NetcdfSourceError";
  }
}
export const isNetcdfSourceError = tagged("NetcdfSourceError") as (e: unknown) => e is NetcdfSourceError;
