/** The conversion workflow's public API: many sources into one Zarr archive, resumable and checked. */
export { convert, type ConvertSummary } from "./convert.js";
export { createTemplate, type CreateTemplateOptions, type TemplateSummary } from "./create-template.js";
export { writeFromSource, type WriteFromSourceOptions } from "./write-from-source.js";
export type { AccessPattern, ConvertOptions, ConvertProgress, RunOptions, TemplateOptions } from "./options.js";
export type { SourceInput } from "./inputs.js";
export {
  ConvertFailedError,
  ConvertOptionError,
  PackingMismatchError,
  SourceMismatchError,
  TemplateMismatchError,
  isConvertFailedError,
  isConvertOptionError,
  isPackingMismatchError,
  isSourceMismatchError,
  isTemplateMismatchError,
} from "./workflow-errors.js";
