/**
 * Tagged errors of CF time, regions from coordinates and chunk suggestion.
 * They are raised while a conversion is planned, before anything is written,
 * and their fields are plain data (strings and numbers) so they survive the
 * trip from a worker and a caller can match on `_tag` instead of a message.
 */
import { hasTag, ParazarrError } from "../errors.js";

/** A CF `units` string (or calendar) that cftime would refuse too. */
export class TimeUnitsError extends ParazarrError {
  readonly _tag = "TimeUnitsError" as const;
  constructor(
    message: string,
    readonly units: string,
    readonly calendar?: string,
  ) {
    super(message);
    this.name = "TimeUnitsError";
  }
}

/** A date that does not exist in its calendar, cannot be parsed, or lies outside the years we format. */
export class InvalidDateError extends ParazarrError {
  readonly _tag = "InvalidDateError" as const;
  constructor(
    message: string,
    readonly text: string,
    readonly calendar: string,
  ) {
    super(message);
    this.name = "InvalidDateError";
  }
}

/** A time axis that cannot be built: bad frequency, or an end before the start. */
export class TimeAxisError extends ParazarrError {
  readonly _tag = "TimeAxisError" as const;
  constructor(
    message: string,
    readonly argument: "start" | "end" | "freq",
    readonly value: string,
  ) {
    super(message);
    this.name = "TimeAxisError";
  }
}

/** Coordinate values (of a source, or of the archive's axis) that are unsorted, duplicated or not contiguous. */
export class CoordinateOrderError extends ParazarrError {
  readonly _tag = "CoordinateOrderError" as const;
  constructor(
    message: string,
    readonly file: string,
    readonly coordinate: string,
    /** The first offending value, described (a formatted instant for time). */
    readonly value: string,
    /** Its index among the values checked. */
    readonly index: number,
  ) {
    super(message);
    this.name = "CoordinateOrderError";
  }
}

/** A source's coordinate value that the archive's axis does not hold. */
export class CoordinateNotFoundError extends ParazarrError {
  readonly _tag = "CoordinateNotFoundError" as const;
  constructor(
    message: string,
    readonly file: string,
    readonly coordinate: string,
    readonly value: string,
    readonly index: number,
  ) {
    super(message);
    this.name = "CoordinateNotFoundError";
  }
}

/** A source's coordinate (lat, lon, …) that differs from the template's. */
export class CoordinateMismatchError extends ParazarrError {
  readonly _tag = "CoordinateMismatchError" as const;
  constructor(
    message: string,
    readonly file: string,
    readonly coordinate: string,
    /** The source's value at `index` (or its length, for a length mismatch). */
    readonly value: string,
    /** The template's value at `index` (or its length). */
    readonly expected: string,
    readonly index: number,
  ) {
    super(message);
    this.name = "CoordinateMismatchError";
  }
}

/** An argument of `suggestChunks` that no chunk shape can honour. */
export class ChunkSuggestionError extends ParazarrError {
  readonly _tag = "ChunkSuggestionError" as const;
  constructor(
    message: string,
    readonly option: string,
    readonly value: string,
  ) {
    super(message);
    this.name = "ChunkSuggestionError";
  }
}

export const isTimeUnitsError = (e: unknown): e is TimeUnitsError => hasTag(e, "TimeUnitsError");
export const isInvalidDateError = (e: unknown): e is InvalidDateError => hasTag(e, "InvalidDateError");
export const isTimeAxisError = (e: unknown): e is TimeAxisError => hasTag(e, "TimeAxisError");
export const isCoordinateOrderError = (e: unknown): e is CoordinateOrderError => hasTag(e, "CoordinateOrderError");
export const isCoordinateNotFoundError = (e: unknown): e is CoordinateNotFoundError =>
  hasTag(e, "CoordinateNotFoundError");
export const isCoordinateMismatchError = (e: unknown): e is CoordinateMismatchError =>
  hasTag(e, "CoordinateMismatchError");
export const isChunkSuggestionError = (e: unknown): e is ChunkSuggestionError => hasTag(e, "ChunkSuggestionError");
