import type { WireError } from "../protocol.js";
import { canClone } from "../task/clone.js";

const MAX_CAUSE_DEPTH = 4;

/**
 * Turns any thrown value into a WireError: the class name, message, stack
 * and every own field that survives structured clone (piscina and
 * postMessage keep class, message and stack but drop custom fields).
 */
export function toWireError(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return { name: "NonErrorThrown", message: describeThrown(thrown), fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === "cause") continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (canClone(value)) fields[key] = value;
  }
  const cause = (thrown as { cause?: unknown }).cause;
  return {
    name: thrown.name,
    message: thrown.message,
    stack: thrown.stack,
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

export function fromWireError(wire: WireError): RemoteError {
  return new RemoteError(wire);
}

function describeThrown(value: unknown): string {
  try {
    return typeof value === "string" ? value : `a non-Error value was thrown: ${JSON.stringify(value)}`;
  } catch {
    return `a non-Error value was thrown (${typeof value})`;
  }
}
