/**
 * Plans named by strings, for command lines and config files, where no
 * code can call `threads(8)`. The convention:
 *
 *     PLAN   := LEVEL | LEVEL "/" LEVEL        (a stack: outer/inner)
 *     LEVEL  := NAME | NAME ":" ARGS
 *     ARGS   := ARG ("," ARG)*                 (ARG: a value, or key=value)
 *
 * A value that starts with "/" or "~" (a path: `key=~/.ssh/id_ed25519`,
 * `shared=/lustre/data`) or with a URL scheme (`staging=s3://bucket/prefix`)
 * runs to the next comma, so its slashes never split the stack: write
 * `ssh:h1,shared=/data,workers=2/threads:4`, not a path last before the "/".
 * `sequential` is core's own. Any other NAME is the package
 * `@parazarr/backend-NAME`, which core imports and whose exported
 * `fromPlanString(args)` turns ARGS (the text after the first ":", verbatim,
 * "" when absent) into its plan. So core, and the CLI above it, never know
 * a backend's options: `threads:8`, `processes:4`,
 * `ssh:user@h1,user@h2,workers=4`, `ssh:h1,h2/threads:4`. A package that
 * is not installed is a PlanError naming the package to install.
 *
 * Backends parse ARGS with `planArgs`, so every backend reports a bad
 * argument the same way.
 */
import { PlanError } from "../errors.js";
import type { PlanOrStack } from "./current.js";
import { isPlan, type Plan } from "./plan.js";
import { sequential } from "./sequential.js";

const NAME = /^[a-z][a-z0-9-]*$/;

/** The package that parses plan strings named `name`. */
export const planPackage = (name: string): string => `@parazarr/backend-${name}`;

export async function planFromString(text: string): Promise<PlanOrStack> {
  if (typeof text !== "string" || text.trim() === "") {
    throw new PlanError(`planFromString: expected a plan such as "threads:8" or "ssh:h1,h2/threads:4", got ${JSON.stringify(text)}`, "plan", text);
  }
  const levels = splitLevels(text.trim());
  if (levels.length > 2) {
    throw new PlanError(`planFromString: a plan stack has one or two levels ("ssh:h1,h2/threads:4"), got ${levels.length} in ${JSON.stringify(text)}`, "plan", text);
  }
  const plans = await Promise.all(levels.map((level) => levelPlan(level, text)));
  return plans.length === 1 ? plans[0]! : [plans[0]!, plans[1]!];
}

/** A value that starts a URL (`s3://`, `https://`): its slashes are the URL's. */
const URL_VALUE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** The stack's levels: split at "/", except inside a path or URL value (after "=/", "=~" or "=scheme://", up to the next ","). */
function splitLevels(text: string): string[] {
  const levels: string[] = [];
  let start = 0;
  let inPath = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ",") inPath = false;
    if (c === "=" && (text[i + 1] === "/" || text[i + 1] === "~" || URL_VALUE.test(text.slice(i + 1)))) inPath = true;
    else if (c === "/" && !inPath) {
      levels.push(text.slice(start, i));
      start = i + 1;
    }
  }
  levels.push(text.slice(start));
  return levels;
}

async function levelPlan(level: string, text: string): Promise<Plan> {
  const colon = level.indexOf(":");
  const name = colon < 0 ? level : level.slice(0, colon);
  const args = colon < 0 ? "" : level.slice(colon + 1);
  if (!NAME.test(name)) {
    throw new PlanError(
      `planFromString: ${JSON.stringify(name)} in ${JSON.stringify(text)} is not a plan name (lower-case letters, digits and "-", such as threads, processes, ssh)`,
      "plan",
      text,
    );
  }
  if (name === "sequential") {
    if (args !== "") throw new PlanError(`planFromString: sequential takes no arguments, got ${JSON.stringify(args)}`, "plan", text);
    return sequential();
  }
  const fromPlanString = await loadParser(name, text);
  const plan = fromPlanString(args);
  if (!isPlan(plan)) throw new PlanError(`planFromString: ${planPackage(name)}'s fromPlanString(${JSON.stringify(args)}) did not return a plan`, "plan", text);
  return plan;
}

async function loadParser(name: string, text: string): Promise<(args: string) => unknown> {
  const pkg = planPackage(name);
  let module: { fromPlanString?: unknown };
  try {
    module = (await import(pkg)) as { fromPlanString?: unknown };
  } catch (error) {
    // Only the package itself missing means "install it"; a dependency of it
    // missing, or its code failing to load, is another fault, passed on.
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(`'${pkg}'`)) {
      throw new PlanError(`plan ${JSON.stringify(text)}: the plan "${name}" comes from the package ${pkg}, which is not installed; install it with: npm install ${pkg}`, "plan", text);
    }
    throw error;
  }
  if (typeof module.fromPlanString !== "function") {
    throw new PlanError(`plan ${JSON.stringify(text)}: ${pkg} does not export fromPlanString(args), so it cannot be named by a string`, "plan", text);
  }
  return module.fromPlanString as (args: string) => unknown;
}

export interface PlanArgs {
  /** The values without "=", in order (hosts, a worker count). */
  readonly values: readonly string[];
  /** key=value arguments. */
  readonly named: ReadonlyMap<string, string>;
}

/**
 * Splits a level's ARGS at commas into values and key=value pairs; an
 * unknown key, a repeated one or an empty argument is a PlanError naming it
 * and the keys `plan` knows.
 */
export function planArgs(plan: string, args: string, known: readonly string[]): PlanArgs {
  const values: string[] = [];
  const named = new Map<string, string>();
  if (args === "") return { values, named };
  for (const arg of args.split(",")) {
    const eq = arg.indexOf("=");
    if (arg.trim() === "") throw new PlanError(`plan "${plan}:${args}": an empty argument (two commas, or a trailing one)`, "plan", args);
    if (eq < 0) {
      values.push(arg.trim());
      continue;
    }
    const key = arg.slice(0, eq).trim();
    if (!known.includes(key)) {
      const allowed = known.length === 0 ? "none" : known.join(", ");
      throw new PlanError(`plan "${plan}:${args}": unknown argument ${JSON.stringify(key)}; known: ${allowed}`, key, args);
    }
    if (named.has(key)) throw new PlanError(`plan "${plan}:${args}": ${key} is given twice`, key, args);
    named.set(key, arg.slice(eq + 1).trim());
  }
  return { values, named };
}

/** A whole number ≥ 1 from a plan string, or a PlanError naming `what`. */
export function planCount(plan: string, what: string, text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new PlanError(`plan "${plan}": ${what} must be a whole number ≥ 1, got ${JSON.stringify(text)}`, what, text);
  return n;
}
