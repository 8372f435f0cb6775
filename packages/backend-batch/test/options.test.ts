/** Options are checked once, when the plan is made, with messages that name the option; the plan names its queue and region only. */
import { describe, expect, it } from "vitest";
import { batch, fromPlanString } from "@parazarr/backend-batch";
import { isPlanError, planFromString, sequential } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";

const base = { jobQueue: "parazarr-spot", staging: "s3://my-bucket/parazarr" };

function refusal(make: () => unknown): Error {
  try {
    make();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected batch(options) to throw");
}

describe("batch(options)", () => {
  it("describes itself by queue, region and workers, and costs nothing to create", () => {
    expect(String(batch({ ...base, region: "eu-west-1", workers: 4 }))).toBe("batch(parazarr-spot, eu-west-1, 4 workers)");
    expect(String(batch({ ...base, region: "eu-west-1" }))).toBe("batch(parazarr-spot, eu-west-1, 1 worker)");
  });

  it("never prints its staging prefix, job definition or endpoints", () => {
    const text = String(batch({ ...base, region: "us-east-1", s3: { endpoint: "http://127.0.0.1:9000" }, jobDefinition: { image: "node:20", environment: { TOKEN_NAME: "x" } } }));
    expect(text).toBe("batch(parazarr-spot, us-east-1, 1 worker)");
  });

  it.each([
    [{ staging: "s3://b/p" }, "jobQueue"],
    [{ jobQueue: "q" }, "staging"],
    [{ ...base, staging: "/local/dir" }, "staging"],
    [{ ...base, staging: "s3://Bad_Bucket/x" }, "staging"],
    [{ ...base, workers: 0 }, "workers"],
    [{ ...base, workers: 2.5 }, "workers"],
    [{ ...base, attempts: 11 }, "attempts"],
    [{ ...base, attempts: 0 }, "attempts"],
    [{ ...base, region: "Europe" }, "region"],
    [{ ...base, pollMs: 1 }, "pollMs"],
    [{ ...base, idleTimeoutMs: -1 }, "idleTimeoutMs"],
    [{ ...base, maxArraySize: 10_001 }, "maxArraySize"],
    [{ ...base, maxArraySize: 1 }, "maxArraySize"],
    [{ ...base, jobDefinition: { image: "node:20", timeout: 30 } }, "jobDefinition.timeout"],
    [{ ...base, jobDefinition: { vcpus: 1 } }, "jobDefinition.image"],
    [{ ...base, jobDefinition: { image: "node:20", gpus: 1 } }, '"gpus"'],
    [{ ...base, jobDefinition: { image: "node:20", environment: { PARAZARR_RUN: "x" } } }, "PARAZARR_RUN"],
    [{ ...base, s3: { endpoint: "not a url" } }, "s3.endpoint"],
    [{ ...base, s3: { region: "x" } }, '"region"'],
    [{ ...base, jobqueue: "q" }, '"jobqueue"'],
    [{ ...base, sharedFilesystem: ["relative/dir"] }, "sharedFilesystem"],
  ])("refuses %j naming %s", (options, named) => {
    const error = refusal(() => batch(options as never));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain(named);
  });

  it("never echoes an endpoint that carries a password", () => {
    const error = refusal(() => batch({ ...base, endpoint: "http://user:hunter2secret@127.0.0.1:1" }));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain("endpoint");
    expect(error.message).not.toContain("hunter2secret");
  });

  it("nests threads(n) and sequential() as each child's inner level, and refuses other inner plans", async () => {
    const { withPlan, getPlan } = await import("@parazarr/core");
    await withPlan([batch({ ...base, region: "eu-west-1", workers: 2 }), threads(4)], async () => {
      expect(String(getPlan())).toBe("[batch(parazarr-spot, eu-west-1, 2 workers), threads(4)]");
    });
    await withPlan([batch({ ...base, region: "eu-west-1" }), sequential()], async () => {
      expect(String(getPlan())).toContain("batch(parazarr-spot");
    });
    const inner = await import("@parazarr/backend-processes");
    const error = refusal(() => withPlan([batch({ ...base, region: "eu-west-1" }), inner.processes(2)], async () => getPlan()));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toContain("threads(n) or sequential()");
  });
});

describe("batch plan strings", () => {
  it("batch:queue=…,staging=s3://…,workers=4,region=… names the same plan", async () => {
    expect(String(fromPlanString("queue=parazarr-spot,staging=s3://my-bucket/parazarr,workers=4,region=eu-west-1"))).toBe(
      "batch(parazarr-spot, eu-west-1, 4 workers)",
    );
    // The staging URL's slashes do not split the stack.
    const stack = await planFromString("batch:queue=q,staging=s3://b-1/some/prefix,workers=3,region=eu-west-1/threads:4");
    expect((stack as readonly unknown[]).map(String)).toEqual(["batch(q, eu-west-1, 3 workers)", "threads(4)"]);
    expect(String(await planFromString("batch:staging=s3://b-1/p,queue=q,region=us-east-1"))).toBe("batch(q, us-east-1, 1 worker)");
  });

  it.each([
    ["queue=q", /staging/],
    ["staging=s3://b-1/p", /job queue/],
    ["q,staging=s3://b-1/p", /key=value/],
    ["queue=q,staging=s3://b-1/p,workers=zero", /workers must be a whole number/],
    ["queue=q,staging=s3://b-1/p,key=x", /unknown argument "key"/],
  ])("refuses batch:%s", (args, message) => {
    const error = refusal(() => fromPlanString(args));
    expect(isPlanError(error)).toBe(true);
    expect(error.message).toMatch(message);
  });
});
