/**
 * Finds the ArrayBuffers a value can hand over without copying: typed arrays
 * that own their whole buffer, at the top level or a few levels down in
 * arrays and plain objects. A view into a larger buffer (Node's Buffer pool,
 * a slice of someone else's data) is left alone: moving it would detach
 * memory that other code still uses.
 */
export function collectTransferables(value: unknown, out: ArrayBuffer[] = [], depth = 0): ArrayBuffer[] {
  if (typeof value !== "object" || value === null || depth > 3) return out;
  if (ArrayBuffer.isView(value)) {
    const buffer = value.buffer;
    if (
      buffer instanceof ArrayBuffer &&
      value.byteOffset === 0 &&
      value.byteLength === buffer.byteLength &&
      buffer.byteLength > 0 &&
      !out.includes(buffer)
    ) {
      out.push(buffer);
    }
    return out;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectTransferables(item, out, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const item of Object.values(value)) collectTransferables(item, out, depth + 1);
  }
  return out;
}
