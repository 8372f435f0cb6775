/** `--plan threads`, `threads:8`, `threads:workers=8`: core's plan-string convention (planFromString). */
import { availableParallelism } from "node:os";
import { PlanError, planArgs, planCount, type Plan } from "@parazarr/core/backend";
import { threads } from "./threads.js";

export function fromPlanString(args: string): Plan {
  const { values, named } = planArgs("threads", args, ["workers"]);
  const given = [...values, ...(named.has("workers") ? [named.get("workers")!] : [])];
  if (given.length > 1) throw new PlanError(`plan "threads:${args}": give the worker count once ("threads:8")`, "workers", args);
  return threads(given[0] === undefined ? availableParallelism() : planCount(`threads:${args}`, "workers", given[0]));
}
