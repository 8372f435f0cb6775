import { CloneError } from "../errors.js";

export interface Uncloneable {
  path: string;
  type: string;
}

/**
 * Walks a value the way structured clone would and names the first part of
 * it that cannot cross a boundary (a function, a symbol, a WeakMap, a class
 * instance holding a native handle…). Only called after a clone failed, so
 * its cost never lands on the happy path.
 */
export function findUncloneable(value: unknown, path = "", seen = new Set<object>()): Uncloneable | undefined {
  if (typeof value === "function") return { path, type: `function ${value.name || "(anonymous)"}` };
  if (typeof value === "symbol") return { path, type: "symbol" };
  if (typeof value !== "object" || value === null) return undefined;
  if (seen.has(value)) return undefined;
  seen.add(value);
  if (canClone(value)) return undefined;
  const entries: Array<[string, unknown]> =
    value instanceof Map
      ? [...value.entries()].flatMap(([k, v], i) => [[`.<key ${i}>`, k], [`.get(${String(k)})`, v]] as Array<[string, unknown]>)
      : value instanceof Set
        ? [...value].map((v, i) => [`.<item ${i}>`, v] as [string, unknown])
        : Object.entries(value).map(([k, v]) => [Array.isArray(value) ? `[${k}]` : `.${k}`, v] as [string, unknown]);
  for (const [key, child] of entries) {
    const found = findUncloneable(child, path + key, seen);
    if (found) return found;
  }
  return { path, type: value.constructor?.name ?? "object" };
}

/** Whether structured clone (what every transport uses) accepts the value. */
export function canClone(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export function cloneError(index: number, value: unknown, what: "input" | "result"): CloneError {
  const found = findUncloneable(value) ?? { path: "", type: typeof value };
  const where = `${what} ${index}${found.path}`;
  return new CloneError(
    `${where} cannot be ${what === "input" ? "sent to a worker" : "sent back"}: it is a ${found.type}, which structured clone cannot copy. ` +
      `Pass plain data (numbers, strings, arrays, plain objects, typed arrays, Maps) instead.`,
    index,
    found.path,
    found.type,
  );
}
