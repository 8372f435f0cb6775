/**
 * `@parazarr/core/backend`: everything a backend package may use, exported
 * on purpose. Backends import nothing else from core.
 */
export { definePlan, type Plan } from "./plan/plan.js";
export {
  WorkerLostError,
  isWorkerLostError,
  type Backend,
  type BatchHooks,
  type Capabilities,
  type PlanDefinition,
  type PlanSpec,
} from "./backend.js";
export { checkCount, checkOneOf, checkWorkers, describeValue } from "./plan/options.js";
export { planArgs, planCount, type PlanArgs } from "./plan/plan-string.js";
export { PlanError, ProtocolVersionError, isProtocolVersionError } from "./errors.js";
export { checkProtocolVersion } from "./protocol-version.js";
export { fromWireError } from "./worker/wire-error.js";
export { redactText, scrubError } from "./redact.js";
export {
  PROTOCOL_VERSION,
  isFromWorker,
  isToWorker,
  type BatchMessage,
  type FromWorker,
  type ItemOutcome,
  type TaskRef,
  type ToWorker,
  type WireError,
  type WorkItem,
  type WorkerInfo,
} from "./protocol.js";
