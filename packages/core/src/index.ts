/** `@parazarr/core`: plans, tasks and map. */
export { setPlan, getPlan, withPlan, type PlanOrStack } from "./plan/current.js";
export { sequential } from "./plan/sequential.js";
export { planFromString } from "./plan/plan-string.js";
export { isPlan, type Plan } from "./plan/plan.js";
export type { Capabilities, PlanSpec } from "./backend.js";
export { task, isTask, type Task, type TaskContext, type TaskFn, type TaskInput, type TaskOutput } from "./task/task.js";
export { map, mapUnordered, type Collected, type Inputs } from "./map/map.js";
export { transfer } from "./worker/transfer.js";
export { everywhere } from "./task/setup.js";
export type { MapEvent } from "./map/scheduler.js";
export type { MapOptions, Progress } from "./map/options.js";
export {
  AbortError,
  CloneError,
  MapFailures,
  ParazarrError,
  PlanClosedError,
  PlanError,
  ProtocolVersionError,
  TaskDefinitionError,
  TaskError,
  TransientError,
  WorkerCrashedError,
  isAbortError,
  isCloneError,
  isPlanClosedError,
  isPlanError,
  isProtocolVersionError,
  isTaskDefinitionError,
  isTaskError,
  isTransient,
  isWorkerCrashedError,
} from "./errors.js";
export * from "./zarr/index.js";
export type { Attributes, AttributeValue, Box, SourceFile, SourceFormat, SourceIdentity, SourceSpec, SourceVariable } from "./sources/source.js";
export { openSource, registerSourceFormat, isUnknownSourceFormatError, UnknownSourceFormatError, type SourceFormatLoader } from "./sources/registry.js";
export * from "./convert/index.js";
// Conversion (issue 11): CF time, time axes, regions from coordinates, chunk suggestion.
export type { Calendar } from "./convert/calendars.js";
export { formatInstant, parseDate, type CalendarDate } from "./convert/cf-date.js";
export { parseTimeUnits, decodeTimes, encodeTimes, type TimeUnit, type TimeUnits } from "./convert/cf-time.js";
export { timeAxis } from "./convert/time-axis.js";
export { regionFromCoordinates, checkCoordinatesMatch, type CoordinateSite } from "./convert/regions.js";
export { suggestChunks, type ChunkSuggestionRequest } from "./convert/chunk-suggest.js";
export * from "./convert/convert-errors.js";
// Conversion ledger, status and validate (issue 11). The ledger's writers and claims stay internal: convert and writeFromSource use them.
export { LEDGER_PREFIX, type ConversionManifest, type FailureRecord, type ManifestInput, type ManifestUnit, type SourceRef, type TaskRecord, type WriterId } from "./convert/ledger.js";
export { status, type ConversionStatus, type Counts, type FailureStatus, type InputState, type InputStatus, type TimeRun, type UnitState, type VariableStatus } from "./convert/status.js";
export { validate, type Problem, type ProblemKind, type UnitComparer, type ValidateOptions, type ValidationReport } from "./convert/validate.js";
export { isLedgerError, isRegionClaimedError, LedgerError, RegionClaimedError, type ClaimHolder } from "./convert/ledger-errors.js";
