// Guards against accidental exports: every public name is listed here on
// purpose. Adding one is a deliberate change to this list.
import { describe, expect, it } from "vitest";

const names = async (specifier: string) => Object.keys(await import(specifier)).sort();

describe("public API", () => {
  it("@parazarr/core/backend exports what backends may use, nothing else", async () => {
    expect(await names("@parazarr/core/backend")).toEqual([
      "PlanError",
      "WorkerLostError",
      "checkCount",
      "checkOneOf",
      "definePlan",
      "describeValue",
      "fromWireError",
      "isFromWorker",
      "isToWorker",
      "isWorkerLostError",
    ]);
  });

  it("@parazarr/core/worker exports the worker runtime", async () => {
    expect(await names("@parazarr/core/worker")).toEqual([
      "collectTransferables",
      "isToWorker",
      "runBatch",
      "runItem",
      "serveWorker",
      "toWireError",
    ]);
  });

  it("@parazarr/backend-threads exports threads", async () => {
    expect(await names("@parazarr/backend-threads")).toEqual(["threads"]);
  });

  it("@parazarr/core exports plans, tasks, map and errors", async () => {
    const core = await names("@parazarr/core");
    for (const name of [
      "setPlan", "getPlan", "withPlan", "sequential", "isPlan", "task", "isTask", "map", "mapUnordered",
      "AbortError", "CloneError", "MapFailures", "ParazarrError", "PlanError", "TaskDefinitionError",
      "TaskError", "TransientError", "WorkerCrashedError", "isAbortError", "isCloneError", "isPlanError",
      "isTaskDefinitionError", "isTaskError", "isTransient", "isWorkerCrashedError",
    ]) {
      expect(core).toContain(name);
    }
    // Internals stay internal.
    for (const internal of ["Scheduler", "BatchSizer", "resolveTask", "runBatch", "definePlan"]) {
      expect(core).not.toContain(internal);
    }
  });
});
