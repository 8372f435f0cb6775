/**
 * `@parazarr/core/conformance`: the suite every backend runs, like R's
 * future.tests. A backend's test file is a few lines:
 *
 *     import { describeBackend } from "@parazarr/core/conformance";
 *     import { threads } from "@parazarr/backend-threads";
 *     describeBackend("threads(2)", () => threads(2));
 *
 * Cases a backend cannot support are skipped from its capabilities
 * (e.g. a crash test on `sequential()`, whose "worker" is the test runner).
 */
import { afterAll, beforeAll, describe } from "vitest";
import type { Capabilities } from "../backend.js";
import { setPlan } from "../plan/current.js";
import type { Plan } from "../plan/plan.js";
import { sequential } from "../plan/sequential.js";
import { cancelCases } from "./cancel-cases.js";
import { failureCases } from "./failure-cases.js";
import { lifecycleCases } from "./lifecycle-cases.js";
import { mapCases } from "./map-cases.js";
import { taskCases } from "./task-cases.js";
import { describeZarrCases } from "./zarr-cases.js";

export interface SuiteContext {
  readonly makePlan: () => Plan;
  readonly capabilities: Capabilities;
  /** The plan set for the suite (valid inside tests). */
  plan(): Plan;
}

export function describeBackend(name: string, makePlan: () => Plan, capabilities?: Partial<Capabilities>): void {
  describe(`conformance: ${name}`, () => {
    let plan: Plan | undefined;
    const context: SuiteContext = {
      makePlan,
      capabilities: { ...makePlan().capabilities, ...capabilities },
      plan: () => {
        if (plan === undefined) throw new Error("the suite's plan is only set inside tests");
        return plan;
      },
    };
    beforeAll(async () => {
      plan = makePlan();
      await setPlan(plan);
    });
    afterAll(async () => {
      await setPlan(sequential());
    });
    mapCases(context);
    failureCases(context);
    lifecycleCases(context);
    taskCases(context);
    cancelCases(context);
    describeZarrCases(makePlan, context.capabilities);
  });
}

export type { Capabilities };
