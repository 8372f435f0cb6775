/**
 * A cheap check, run in the worker on every result before it is sent: does
 * the value hold something structured clone refuses (a function, a symbol,
 * a promise, a weak collection)? Transports report a failed send in
 * unhelpful ways (piscina rejects with a bare object, a cluster worker
 * throws inside `process.send`), so the worker names the problem itself.
 * Typed arrays are leaves, so large numeric results cost nothing. A result
 * too large to walk cheaply (more than a fixed number of nodes) is checked
 * by structured clone itself: the cost lands on big object graphs only, and
 * a bad value deep inside one is still named, never lost in the transport.
 */
import type { FromWorker } from "../protocol.js";
import { canClone, findUncloneable } from "../task/clone.js";
import { toWireError } from "./wire-error.js";

const NODE_BUDGET = 10_000;

export function findUnsendable(value: unknown): { path: string; type: string } | undefined {
  let budget = NODE_BUDGET;
  const found = walkWithin(value, () => --budget >= 0);
  if (found !== undefined || budget >= 0 || canClone(value)) return found;
  return findUncloneable(value) ?? { path: "", type: "value structured clone refuses" };
}

function walkWithin(value: unknown, spend: () => boolean): { path: string; type: string } | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): { path: string; type: string } | undefined => {
    if (typeof v === "function") return { path, type: `function ${v.name || "(anonymous)"}` };
    if (typeof v === "symbol") return { path, type: "symbol" };
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return detached(v, path);
    if (typeof v !== "object" || v === null || seen.has(v)) return undefined;
    if (!spend()) return undefined;
    seen.add(v);
    if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) {
      return { path, type: v.constructor.name };
    }
    const entries: Iterable<[string, unknown]> =
      v instanceof Map
        ? [...v].map(([k, x]) => [`.get(${String(k)})`, x] as [string, unknown])
        : v instanceof Set
          ? [...v].map((x, i) => [`.<item ${i}>`, x] as [string, unknown])
          : Object.entries(v).map(([k, x]) => [Array.isArray(v) ? `[${k}]` : `.${k}`, x] as [string, unknown]);
    for (const [key, child] of entries) {
      const found = walk(child, path + key);
      if (found) return found;
    }
    return undefined;
  };
  return walk(value, "");
}

/**
 * A buffer that was moved away earlier (a task that gave away memory it
 * kept, with transfer()) cannot be sent again; Node 20 has no
 * `ArrayBuffer.prototype.detached`, but only an empty one can be detached,
 * and cloning an empty one costs nothing.
 */
function detached(v: ArrayBufferView | ArrayBuffer, path: string): { path: string; type: string } | undefined {
  if (v.byteLength > 0 || canClone(v)) return undefined;
  return { path, type: `${v.constructor.name} whose memory was already moved away (detached by an earlier transfer)` };
}

type BatchResult = Extract<FromWorker, { type: "batch-result" }>;

/**
 * The last resort of a transport whose send threw on a batch result (a value
 * the check above could not see through): every value becomes an error that
 * says why, so the batch still gets its answer instead of hanging.
 */
export function unsendableResult(result: BatchResult, error: unknown): BatchResult {
  const why = toWireError(error).message;
  const reason = toWireError(new TypeError(`a result could not be sent back: ${why}`));
  const outcomes = result.outcomes.map((o) =>
    o.type === "value" ? { type: "error" as const, index: o.index, error: reason, workMs: o.workMs } : o,
  );
  return { ...result, outcomes };
}
