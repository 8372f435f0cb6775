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
export { openSource, registerSourceFormat, isUnknownSourceFormatError, UnknownSourceFormatError, type SourceFormatLoader } from "./sources/registry.js";
