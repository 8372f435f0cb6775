import type { WireError } from "../protocol.js";
import { redactText, scrubError } from "../redact.js";
import { canClone } from "../task/clone.js";

const MAX_CAUSE_DEPTH = 4;

/**
 * Turns any thrown value into a WireError: the class name, message, stack
 * and every own field that survives structured clone (piscina and
 * postMessage keep class, message and stack but drop custom fields).
 * Every string is scrubbed here, in the worker, because only the worker
 * knows its own environment's credentials (a host's, a Batch job's).
 */
export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return { name: "NonErrorThrown", message: redactText(describeThrown(thrown)), fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === "cause") continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (canClone(value)) fields[key] = scrubError(value);
  }
  const cause = (thrown as { cause?: unknown }).cause;
  return {
    name: redactText(thrown.name),
    message: redactText(thrown.message),
    stack: thrown.stack === undefined ? undefined : redactText(thrown.stack),
    fields,
    cause: cause !== undefined && depth < MAX_CAUSE_DEPTH ? toWireError(cause, depth + 1) : undefined,
  };
}

/** The error a caller sees in `cause`: same name, message, stack and fields. */
export class RemoteError extends Error {
  [field: string]: unknown;
  constructor(wire: WireError) {
    super(wire.message, wire.cause ? { cause: new RemoteError(wire.cause) } : undefined);
    Object.assign(this, wire.fields);
    this.name = wire.name;
    if (wire.stack !== undefined) this.stack = wire.stack;
  }
}

/**
 * Scrubbed again on arrival, with the caller's environment: a worker from
 * another build of core, or one whose environment lacks the caller's
 * credentials, may send them back in free text.
 */
export function fromWireError(wire: WireError): RemoteError {
  return new RemoteError(scrubError(wire));
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === "string" ? value : `a non-Error value was thrown: ${JSON.stringify(value)}`;
  } catch {
    return `a non-Error value was thrown (${typeof value})`;
  }
}
