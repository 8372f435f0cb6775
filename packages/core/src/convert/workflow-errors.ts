/**
 * Tagged errors of the conversion workflow's own checks (options, sources
 * against the template, a template that no longer matches, a run with
 * failed tasks). Coordinate errors live in convert-errors.ts, the ledger's
 * in ledger-errors.ts. Every refusal is raised before the first data chunk
 * is written.
 */
import { hasTag, ParazarrError, type TaskError } from "../errors.js";

/** A convert / createTemplate / writeFromSource option that is not allowed. */
export class ConvertOptionError extends ParazarrError {
  readonly _tag = "ConvertOptionError" as const;
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
    this.name = "ConvertOptionError";
  }
}

/** A source that does not fit the template: a variable missing, another shape, dtype or dimension, another calendar. */
export class SourceMismatchError extends ParazarrError {
  readonly _tag = "SourceMismatchError" as const;
  constructor(
    message: string,
    /** The source's URL. */
    readonly file: string,
    readonly variable?: string,
  ) {
    super(message);
    this.name = "SourceMismatchError";
  }
}

/** The archive's template was made with other options (or by another tool) than this run asks for. */
export class TemplateMismatchError extends ParazarrError {
  readonly _tag = "TemplateMismatchError" as const;
  constructor(
    message: string,
    /** What differs, one entry per difference ("chunks.t2m: [8,721,1440] in the archive, [4,721,1440] asked"). */
    readonly differences: readonly string[],
  ) {
    super(message);
    this.name = "TemplateMismatchError";
  }
}

/** A packed source whose packing differs from the template's, with `repack: "refuse"`. */
export class PackingMismatchError extends ParazarrError {
  readonly _tag = "PackingMismatchError" as const;
  constructor(
    message: string,
    readonly file: string,
    readonly variable: string,
  ) {
    super(message);
    this.name = "PackingMismatchError";
  }
}

/** Some tasks of a conversion failed after their retries; everything else was written and recorded. */
export class ConvertFailedError extends ParazarrError {
  readonly _tag = "ConvertFailedError" as const;
  constructor(
    message: string,
    /** One entry per failed task: its id, its sources and the error. */
    readonly failures: ReadonlyArray<{ readonly task: string; readonly files: readonly string[]; readonly error: TaskError }>,
  ) {
    super(message);
    this.name = "ConvertFailedError";
  }
}

export const isConvertOptionError = (e: unknown): e is ConvertOptionError => hasTag(e, "ConvertOptionError");
export const isSourceMismatchError = (e: unknown): e is SourceMismatchError => hasTag(e, "SourceMismatchError");
export const isTemplateMismatchError = (e: unknown): e is TemplateMismatchError => hasTag(e, "TemplateMismatchError");
export const isPackingMismatchError = (e: unknown): e is PackingMismatchError => hasTag(e, "PackingMismatchError");
export const isConvertFailedError = (e: unknown): e is ConvertFailedError => hasTag(e, "ConvertFailedError");
