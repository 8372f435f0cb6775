/**
 * The options of `processes(workers, options)`, checked once, where they are
 * given, with messages that name the option, the value and what is allowed.
 */
import { checkCount, checkWorkers, describeValue, PlanError } from "@parazarr/core/backend";

export interface ProcessesOptions {
  /**
   * V8 old-generation heap limit of each worker process, in MiB
   * (`--max-old-space-size`). A task that exceeds it fails with an
   * out-of-memory error and its worker is replaced; the caller is unharmed.
   */
  maxOldGenerationSizeMb?: number;
  /** Variables added to each worker's environment (on top of the caller's). */
  env?: Record<string, string>;
  /** Extra Node.js flags for each worker process, e.g. `["--enable-source-maps"]`. */
  execArgv?: string[];
}

export interface ResolvedProcessesOptions {
  readonly workers: number;
  readonly maxOldGenerationSizeMb: number | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly execArgv: readonly string[];
}

const WHERE = "processes(workers, options)";
const KNOWN = ["maxOldGenerationSizeMb", "env", "execArgv"];
// Node 20 cannot even deserialize its start-up snapshot below a few MiB; 16
// leaves room for the worker runtime, so a small value fails here, not later.
const MIN_HEAP_MB = 16;

export function resolveOptions(workers: unknown, options: unknown): ResolvedProcessesOptions {
  checkWorkers("processes(workers)", "workers", workers);
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new PlanError(`${WHERE}: options must be an object, got ${describeValue(options)}`, "options", options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.includes(key)) {
      throw new PlanError(`${WHERE}: unknown option ${JSON.stringify(key)}; known options are ${KNOWN.join(", ")}`, key);
    }
  }
  const given = options as ProcessesOptions;
  const heap = given.maxOldGenerationSizeMb;
  return {
    workers: workers as number,
    maxOldGenerationSizeMb: heap === undefined ? undefined : checkCount(WHERE, "maxOldGenerationSizeMb", heap, MIN_HEAP_MB),
    env: checkEnv(given.env),
    execArgv: checkExecArgv(given.execArgv),
  };
}

function checkEnv(env: unknown): Record<string, string> {
  if (env === undefined) return {};
  if (typeof env !== "object" || env === null || Array.isArray(env)) {
    throw new PlanError(`${WHERE}: env must be an object of strings, got ${describeValue(env)}`, "env", env);
  }
  for (const [name, value] of Object.entries(env)) {
    if (typeof value !== "string") {
      throw new PlanError(`${WHERE}: env.${name} must be a string, got ${describeValue(value)}`, "env", env);
    }
  }
  return { ...(env as Record<string, string>) };
}

function checkExecArgv(execArgv: unknown): string[] {
  if (execArgv === undefined) return [];
  if (!Array.isArray(execArgv)) {
    throw new PlanError(`${WHERE}: execArgv must be an array of strings, got ${describeValue(execArgv)}`, "execArgv", execArgv);
  }
  execArgv.forEach((flag: unknown, i) => {
    if (typeof flag !== "string") {
      throw new PlanError(`${WHERE}: execArgv[${i}] must be a string, got ${describeValue(flag)}`, "execArgv", execArgv);
    }
  });
  return [...(execArgv as string[])];
}

/**
 * How the plan prints itself (it appears in every TaskError). Environment
 * values are left out on purpose: they may hold credentials.
 */
export function describePlan(options: ResolvedProcessesOptions): string {
  const parts: string[] = [];
  if (options.maxOldGenerationSizeMb !== undefined) parts.push(`maxOldGenerationSizeMb: ${options.maxOldGenerationSizeMb}`);
  const envNames = Object.keys(options.env);
  if (envNames.length > 0) parts.push(`env: [${envNames.join(", ")}]`);
  if (options.execArgv.length > 0) parts.push(`execArgv: ${JSON.stringify(options.execArgv)}`);
  return parts.length === 0 ? `processes(${options.workers})` : `processes(${options.workers}, { ${parts.join(", ")} })`;
}
