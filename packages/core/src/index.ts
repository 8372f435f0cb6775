/** `@parazarr/core`: plans, tasks and map. */
export { setPlan, getPlan, withPlan, type PlanOrStack } from "./plan/current.js";
export { sequential } from "./plan/sequential.js";
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
export { registerSourceFormat, isUnknownSourceFormatError, UnknownSourceFormatError, type SourceFormatLoader } from "./sources/registry.js";
// Conversion (issue 11): CF time, time axes, regions from coordinates, chunk suggestion.
export type { Calendar } from "./convert/calendars.js";
export { formatInstant, parseDate, type CalendarDate } from "./convert/cf-date.js";
export { parseTimeUnits, decodeTimes, encodeTimes, type TimeUnit, type TimeUnits } from "./convert/cf-time.js";
export { timeAxis } from "./convert/time-axis.js";
export { regionFromCoordinates, checkCoordinatesMatch, type CoordinateSite } from "./convert/regions.js";
export { suggestChunks, type AccessPattern, type ChunkSuggestionRequest } from "./convert/chunk-suggest.js";
export * from "./convert/convert-errors.js";
