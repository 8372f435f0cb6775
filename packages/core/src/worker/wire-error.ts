import type { WireError } from "../protocol.js";
import { redactText, scrubError } from "../redact.js";
import { canClone } from "../task/clone.js";

const MAX_CAUSE_DEPTH = 4;

/**
 * Turns any thrown value into a WireError: the class name, message, stack
 * and every own field that survives structured clone (piscina and
 * postMessage keep class, message and stack but drop custom fields).
 *
 * Total: it never throws. A task's error is user code, and any read of it
 * can throw (a getter on a field, on `message`, a Proxy's traps). Whatever
 * can be read is kept and each part that could not is said so; a throw here
 * would escape the worker loop and look like a worker crash.
 *
 * Every string is scrubbed here, in the worker, because only the worker
 * knows its own environment's credentials (a host's, a Batch job's).
 */
export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!safely(() => thrown instanceof Error, false)) {
    return { name: "NonErrorThrown", message: redactText(describeThrown(thrown)), fields: {} };
  }
  const error = thrown as Error & Record<string, unknown>;
  const cause = safely(() => error.cause, undefined);
  return {
    name: redactText(readString(() => error.name, "Error")),
    message: redactText(readString(() => error.message, "(its message could not be read: the getter threw)")),
    stack: safely(() => (typeof error.stack === "string" ? redactText(error.stack) : undefined), undefined),
    fields: readFields(error),
    cause: cause !== undefined && depth < MAX_CAUSE_DEPTH ? toWireError(cause, depth + 1) : undefined,
  };
}

/** Every own enumerable field that can be read and cloned; a field whose getter throws is skipped. */
function readFields(error: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of safely(() => Object.keys(error), [] as string[])) {
    if (key === "cause") continue;
    const read = safely(() => ({ value: error[key] }), undefined);
    if (read === undefined || !canClone(read.value)) continue;
    const scrubbed = safely(() => ({ value: scrubError(read.value) }), undefined);
    if (scrubbed !== undefined) fields[key] = scrubbed.value;
  }
  return fields;
}

function readString(read: () => unknown, fallback: string): string {
  const value = safely(read, undefined);
  return typeof value === "string" ? value : value === undefined ? fallback : safely(() => String(value), fallback);
}

function safely<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
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
    return `a non-Error value was thrown (${safely(() => typeof value, "unknown")})`;
  }
}
