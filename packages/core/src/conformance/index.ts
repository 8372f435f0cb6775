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
 * Its waits and timeouts grow with what it declares (`startupMs`,
 * `cancelLatencyMs`, see waits.ts). A backend whose workers reach objects
 * stores but not the caller's temp directory names a root for the Zarr
 * cases:
 *
 *     describeBackend("batch(…)", () => batch({ … }), { zarrStore: async () => "s3://bucket/conformance" });
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
import { waitsFor, type Waits } from "./waits.js";
import { describeZarrCases } from "./zarr-cases.js";

export interface SuiteContext {
  readonly makePlan: () => Plan;
  readonly capabilities: Capabilities;
  /** How long to wait for a worker to start or a cancel to arrive. */
  readonly waits: Waits;
  /** The plan set for the suite (valid inside tests). */
  plan(): Plan;
}

export interface BackendSuiteOptions {
  /** Overrides of the plan's own capabilities (to test a narrower claim). */
  readonly capabilities?: Partial<Capabilities>;
  /**
   * A root store URL (`s3://bucket/prefix`) under which the Zarr cases
   * create their arrays, a fresh sub-prefix per case. Credentials and
   * endpoint come from the environment, as for any store URL. Absent: a
   * temp directory, which the workers must see.
   */
  readonly zarrStore?: () => Promise<string>;
}

export function describeBackend(name: string, makePlan: () => Plan, options: BackendSuiteOptions = {}): void {
  const capabilities = { ...makePlan().capabilities, ...options.capabilities };
  const waits = waitsFor(capabilities);
  // Declared latencies lengthen every test's timeout; without them, the configured one stands.
  const suiteOptions = waits.testTimeoutMs === undefined ? {} : { timeout: waits.testTimeoutMs };
  describe(`conformance: ${name}`, suiteOptions, () => {
    let plan: Plan | undefined;
    const context: SuiteContext = {
      makePlan,
      capabilities,
      waits,
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
    describeZarrCases(makePlan, context.capabilities, options.zarrStore);
  });
}

export type { Capabilities };
