/** `--plan processes`, `processes:4`, `processes:workers=4`: core's plan-string convention (planFromString). */
import { availableParallelism } from "node:os";
import { PlanError, planArgs, planCount, type Plan } from "@parazarr/core/backend";
import { processes } from "./processes.js";

export function fromPlanString(args: string): Plan {
  const { values, named } = planArgs("processes", args, ["workers"]);
  const given = [...values, ...(named.has("workers") ? [named.get("workers")!] : [])];
  if (given.length > 1) throw new PlanError(`plan "processes:${args}": give the worker count once ("processes:4")`, "workers", args);
  return processes(given[0] === undefined ? availableParallelism() : planCount(`processes:${args}`, "workers", given[0]));
}
