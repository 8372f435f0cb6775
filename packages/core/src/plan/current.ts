import { AsyncLocalStorage } from "node:async_hooks";
import { PlanError } from "../errors.js";
import { isPlan, type Plan } from "./plan.js";
import { sequential } from "./sequential.js";

let processPlan: Plan | undefined;
const scoped = new AsyncLocalStorage<Plan>();

function checkPlan(plan: unknown, where: string): asserts plan is Plan {
  if (!isPlan(plan)) {
    throw new PlanError(
      `${where}: expected a plan such as sequential() or threads(4), got ${plan === null ? "null" : typeof plan}`,
      "plan",
      plan,
    );
  }
}

/**
 * Sets the process-wide plan, for user code. The plan it replaces is closed
 * (its workers stop). Libraries should use `withPlan` instead.
 */
export async function setPlan(plan: Plan): Promise<void> {
  checkPlan(plan, "setPlan");
  const previous = processPlan;
  processPlan = plan;
  if (previous === undefined || previous === plan) return;
  // Usually not awaited (`setPlan(threads(8))` at the top of a script): a
  // failure to stop old workers must not become an unhandled rejection.
  await previous.close().catch((error: unknown) => {
    process.emitWarning(`parazarr: closing the previous plan ${String(previous)} failed: ${String(error)}`);
  });
}

/** The plan in force here: the innermost `withPlan`, else the process plan, else `sequential()`. */
export function getPlan(): Plan {
  const plan = scoped.getStore() ?? processPlan;
  if (plan !== undefined) return plan;
  processPlan = sequential();
  return processPlan;
}

/** Runs `fn` with `plan` in force for everything it awaits; other concurrent code keeps its own. */
export function withPlan<T>(plan: Plan, fn: () => T): T {
  checkPlan(plan, "withPlan");
  return scoped.run(plan, fn);
}
