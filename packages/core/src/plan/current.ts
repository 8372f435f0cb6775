import { AsyncLocalStorage } from "node:async_hooks";
import { PlanError } from "../errors.js";
import { redactText } from "../redact.js";
import { isPlan, type Plan } from "./plan.js";
import { sequential } from "./sequential.js";

let processPlan: Plan | undefined;
const scoped = new AsyncLocalStorage<Plan>();

/** A plan, or a stack of two: `[ssh({ hosts }), threads(4)]` runs threads(4) on every host. */
export type PlanOrStack = Plan | readonly [Plan] | readonly [Plan, Plan];

function checkPlan(plan: unknown, where: string): Plan {
  if (Array.isArray(plan)) {
    if (plan.length === 0 || plan.length > 2) {
      throw new PlanError(`${where}: a plan stack has one or two levels, such as [ssh({ hosts }), threads(4)]; got ${plan.length}`, "plan", plan);
    }
    const [outer, inner] = plan.map((level: unknown) => checkPlan(level, where));
    return inner === undefined ? outer! : outer!.nest(inner);
  }
  if (!isPlan(plan)) {
    throw new PlanError(
      `${where}: expected a plan such as sequential() or threads(4), got ${plan === null ? "null" : typeof plan}`,
      "plan",
      plan,
    );
  }
  return plan;
}

/**
 * Sets the process-wide plan, for user code. The plan it replaces is closed
 * (its workers stop; maps still running on it reject with PlanClosedError).
 * Libraries should use `withPlan` instead.
 *
 * A bad plan throws here, synchronously: the usual un-awaited
 * `setPlan(threads(8))` must not turn it into an unhandled rejection. The
 * returned promise (the old plan closing) never rejects.
 */
export function setPlan(planOrStack: PlanOrStack): Promise<void> {
  const plan = checkPlan(planOrStack, "setPlan");
  const previous = processPlan;
  processPlan = plan;
  if (previous === undefined || previous === plan) return Promise.resolve();
  return previous.close().catch((error: unknown) => {
    process.emitWarning(redactText(`parazarr: closing the previous plan ${String(previous)} failed: ${String(error)}`));
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
export function withPlan<T>(planOrStack: PlanOrStack, fn: () => T): T {
  return scoped.run(checkPlan(planOrStack, "withPlan"), fn);
}
