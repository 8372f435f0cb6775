/** A set-up module of the conformance suite: counts how many times this worker imported it. */
const MARK = Symbol.for("parazarr.conformance.setup");
const global = globalThis as { [MARK]?: number };
global[MARK] = (global[MARK] ?? 0) + 1;
