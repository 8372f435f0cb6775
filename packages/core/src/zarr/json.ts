/**
 * JSON that keeps 64-bit integers exact. Zarr metadata spells an int64 or
 * uint64 fill value as a plain JSON number (zarr-python writes
 * `18446744073709551615`), but `JSON.parse` turns every number into a
 * double, so 2**64-1 becomes 2**64 and then 0 in a BigUint64Array.
 * `JSON.stringify` refuses bigints outright. Node 20 has neither
 * `JSON.rawJSON` nor the reviver's source text (both arrived in V8 11.4+),
 * so integers too long for a double are carried through as marked strings.
 */

// A prefix no real string in metadata starts with: JSON text cannot hold a
// raw NUL, so it is written escaped (\u0000) and JSON.parse turns it into one.
const MARK = "\u0000bigint:";

/**
 * Like `JSON.parse`, but a `fill_value` integer beyond ±2**53 comes back as
 * a bigint, digit for digit. Elsewhere (attributes) such numbers stay
 * doubles, as `JSON.parse` gives them: user code reading attributes never
 * meets a bigint it did not ask for.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(markLongIntegers(text), (key, value: unknown) => {
    if (typeof value !== "string" || !value.startsWith(MARK)) return value;
    const digits = value.slice(MARK.length);
    return key === "fill_value" ? BigInt(digits) : Number(digits);
  });
}

/** Wraps every integer literal outside strings whose value a double cannot hold in a marked string. */
function markLongIntegers(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (c === "-" || (c >= "0" && c <= "9")) {
      // Malformed text ("-x") is copied as it is: JSON.parse reports it.
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      const literal = match?.[0] ?? c;
      const integer = match !== null && match[1] === undefined && match[2] === undefined;
      out += integer && !Number.isSafeInteger(Number(literal)) ? `"\\u0000bigint:${literal}"` : literal;
      i += literal.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** Like `JSON.stringify(doc, null, 2)`, but a bigint is written as its exact digits. */
export function stringifyJsonExact(doc: unknown): string {
  const text = JSON.stringify(doc, (_key, value: unknown) => (typeof value === "bigint" ? `${MARK}${value}` : value), 2);
  // JSON.stringify escapes the NUL of the mark as \u0000.
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1");
}
