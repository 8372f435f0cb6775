/**
 * A chunk shape from a target size and an access pattern, when the user
 * gives no chunks. The rule (the README states the same):
 *
 * - Budget: B = ⌊targetMB · 10⁶ / bytesPerElement⌋ elements (MB = 10⁶ bytes,
 *   as in dask). An array that fits in B is one chunk.
 * - temporal (reads of a long time series at a point): the time chunk is the
 *   whole time axis, or B if shorter; the other dimensions share what is left,
 *   ⌊B / time chunk⌋, as square tiles (equal edges, each capped at its
 *   dimension), so a point's series touches one chunk per time chunk.
 * - spatial (reads of whole maps at a few times): the non-time dimensions get
 *   the whole plane if it fits in B, else the largest plane shrunk by the same
 *   fraction in each dimension; time gets ⌊B / plane⌋ steps (at least 1).
 * - balanced: every dimension gets the same fraction of its length, as large
 *   as fits, so a read along any dimension touches about as many chunks.
 * - Without a time dimension among `dimensions` (a static variable), every
 *   pattern is balanced.
 * - Always: 1 ≤ chunk ≤ shape in each dimension and product × bytes ≤ target,
 *   grown one element at a time after the fit to come as close below the
 *   target as the rule allows. A target below one element gives chunks of 1:
 *   no chunk can be smaller.
 */
import { ChunkSuggestionError } from "./convert-errors.js";

export type AccessPattern = "temporal" | "spatial" | "balanced";

export interface ChunkSuggestionRequest {
  dimensions: string[];
  shape: number[];
  bytesPerElement: number;
  timeDimension: string | undefined;
  targetMB: number;
  pattern: AccessPattern;
}

const product = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

export function suggestChunks(request: ChunkSuggestionRequest): number[] {
  const { shape, pattern } = checkRequest(request);
  const budget = Math.max(1, Math.floor((request.targetMB * 1e6) / request.bytesPerElement));
  const caps = shape.map((n) => Math.max(1, n));
  if (product(caps) <= budget) return caps;
  const t = request.timeDimension === undefined ? -1 : request.dimensions.indexOf(request.timeDimension);
  if (t < 0 || pattern === "balanced") return fit(caps, caps, budget);
  const others = caps.filter((_, i) => i !== t);
  const time = caps[t] as number;
  let timeChunk: number;
  let plane: number[];
  if (pattern === "temporal") {
    timeChunk = Math.min(time, budget);
    plane = fit(others, others.map(() => 1), Math.floor(budget / timeChunk));
  } else {
    plane = fit(others, others, budget);
    timeChunk = Math.max(1, Math.min(time, Math.floor(budget / product(plane))));
  }
  plane.splice(t, 0, timeChunk);
  return plane;
}

/**
 * The largest chunk with chunk[i] ≈ x · weights[i] (capped at caps[i], at
 * least 1) whose product stays within the budget: a binary search for x,
 * then single-element growth of the dimensions furthest below their share.
 */
function fit(caps: number[], weights: number[], budget: number): number[] {
  const at = (x: number) => caps.map((cap, i) => Math.min(cap, Math.max(1, Math.floor(x * (weights[i] as number)))));
  let lo = 0;
  let hi = Math.max(...caps.map((cap, i) => cap / (weights[i] as number))) + 1;
  for (let k = 0; k < 200 && hi - lo > 1e-12 * hi; k++) {
    const mid = (lo + hi) / 2;
    if (product(at(mid)) <= budget) lo = mid;
    else hi = mid;
  }
  const chunk = at(lo);
  for (let grown = true; grown; ) {
    grown = false;
    const order = chunk.map((_, i) => i).sort((a, b) => (chunk[a] as number) / (weights[a] as number) - (chunk[b] as number) / (weights[b] as number));
    for (const i of order) {
      const c = chunk[i] as number;
      if (c < (caps[i] as number) && (product(chunk) / c) * (c + 1) <= budget) {
        chunk[i] = c + 1;
        grown = true;
        break;
      }
    }
  }
  return chunk;
}

function checkRequest(r: ChunkSuggestionRequest): ChunkSuggestionRequest {
  const bad = (option: string, value: unknown, why: string): never => {
    throw new ChunkSuggestionError(`suggestChunks: ${option} ${JSON.stringify(value)} ${why}`, option, JSON.stringify(value) ?? String(value));
  };
  if (!Array.isArray(r.shape) || r.shape.some((n) => !Number.isSafeInteger(n) || n < 0)) bad("shape", r.shape, "must be a list of whole numbers ≥ 0");
  if (!Array.isArray(r.dimensions) || r.dimensions.length !== r.shape.length) {
    bad("dimensions", r.dimensions, `must name each of the shape's ${r.shape.length} dimensions`);
  }
  if (!(Number.isFinite(r.bytesPerElement) && r.bytesPerElement > 0)) bad("bytesPerElement", r.bytesPerElement, "must be a number > 0");
  if (!(Number.isFinite(r.targetMB) && r.targetMB > 0)) bad("targetMB", r.targetMB, "must be a number > 0");
  if (!["temporal", "spatial", "balanced"].includes(r.pattern)) bad("pattern", r.pattern, 'must be "temporal", "spatial" or "balanced"');
  return r;
}
