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
// Conversion ledger, claims, status and validate (issue 11).
export {
  LEDGER_PREFIX, taskIdOf, writeManifest, readManifest, writeTaskRecord, readTaskRecords, deleteTaskRecord, writeFailure, readFailures, clearFailure,
  type ConversionManifest, type FailureRecord, type ManifestInput, type ManifestUnit, type SourceRef, type TaskRecord, type WriterId,
} from "./convert/ledger.js";
export { claimArchive, claimChunks, currentWriter, DEFAULT_LEASE_MS, type Claim, type ClaimChunksOptions } from "./convert/claims.js";
export { status, type ConversionStatus, type Counts, type FailureStatus, type InputState, type InputStatus, type TimeRun, type UnitState, type VariableStatus } from "./convert/status.js";
export { validate, type Problem, type ProblemKind, type UnitComparer, type ValidateOptions, type ValidationReport } from "./convert/validate.js";
export { isLedgerError, isRegionClaimedError, LedgerError, RegionClaimedError, type ClaimHolder } from "./convert/ledger-errors.js";
