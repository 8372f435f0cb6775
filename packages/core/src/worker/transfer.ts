/**
 * Which memory a result may hand over instead of copying.
 *
 * Only what the task gives away: `transfer(value)` marks a result's typed
 * arrays (and ArrayBuffers) as the task's to give, and only marked buffers
 * are moved. Anything else is copied. Moving a buffer detaches it on the
 * sending side, so a task that returns memory it still owns (a module-level
 * table, a cache) would find it emptied after the first map, and on
 * `sequential()` the caller's own array would be emptied. core's own Zarr
 * read task marks the blocks it has just decoded.
 */

// A registry symbol, not a module-local set: a worker may hold a second copy
// of core (a bundle), and a mark made by one copy must be seen by the other.
const MARKS = Symbol.for("parazarr.transfer");
const global = globalThis as { [MARKS]?: WeakSet<ArrayBufferLike> };
const marked: WeakSet<ArrayBufferLike> = (global[MARKS] ??= new WeakSet());

const MAX_DEPTH = 3;

/**
 * Says that the task gives `value`'s memory away: its typed arrays and
 * ArrayBuffers (at the top level, or a few levels down in arrays and plain
 * objects) are moved to the caller, not copied, and are detached here once
 * the result is sent. A view into part of a larger buffer is copied all the
 * same. Returns `value` itself:
 *
 *     return transfer(new Float64Array(n));   // a fresh array, ours to give
 */
export function transfer<T>(value: T): T {
  visitBuffers(value, 0, (buffer, view) => {
    // A view into part of a larger buffer (Node's Buffer pool, a subarray)
    // cannot be moved alone: moving its buffer would take the rest too.
    if (view === undefined || ownsWholeBuffer(view)) marked.add(buffer);
  });
  return value;
}

/**
 * The buffers of a result that its task gave away with `transfer()`: the
 * transfer list of its message. An empty buffer is never listed: it may be
 * one an earlier transfer detached, and piscina (5.3.2) never answers a
 * reply whose transfer list holds a detached buffer.
 */
export function collectGivenAway(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  visitBuffers(value, 0, (buffer) => {
    if (marked.has(buffer) && buffer instanceof ArrayBuffer && buffer.byteLength > 0 && !out.includes(buffer)) out.push(buffer);
  });
  return out;
}

/**
 * Finds the ArrayBuffers of typed arrays that own their whole buffer: for a
 * transport's own copies (an SSH agent's freshly decoded frame), which
 * nothing else can hold. A view into a larger buffer (Node's Buffer pool,
 * a slice of someone else's data) is left alone.
 */
export function collectTransferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  visitBuffers(value, depth, (buffer, view) => {
    if (buffer instanceof ArrayBuffer && (view === undefined || ownsWholeBuffer(view)) && buffer.byteLength > 0 && !out.includes(buffer)) out.push(buffer);
  });
  return out;
}

function ownsWholeBuffer(view: ArrayBufferView): boolean {
  return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength;
}

function visitBuffers(value: unknown, depth: number, visit: (buffer: ArrayBufferLike, view?: ArrayBufferView) => void): void {
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return;
  if (ArrayBuffer.isView(value)) return visit(value.buffer, value);
  if (value instanceof ArrayBuffer) return visit(value);
  if (Array.isArray(value)) {
    for (const item of value) visitBuffers(item, depth + 1, visit);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) visitBuffers(item, depth + 1, visit);
  }
}
