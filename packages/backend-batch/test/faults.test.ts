/**
 * What goes wrong on Batch, provoked on the stand-in: a child reclaimed
 * mid-map (exact results all the same), a queue with no capacity (a clear
 * error in bounded time), a misconfiguration (at once), throttling (waited
 * out), and closing or aborting at any point (no child left running).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTaskError, map, setPlan, sequential } from "@parazarr/core";
import { isBatchCapacityError, isBatchJobError } from "@parazarr/backend-batch";
import { slowSquare } from "./fixtures/tasks.js";
import { JOB_QUEUE, startStandIn, type StandIn } from "./fixtures/stand-in.js";

let standIn: StandIn;

beforeAll(async () => {
  standIn = await startStandIn();
});

afterAll(async () => {
  await setPlan(sequential());
  await standIn?.stop();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The array jobs the plan submitted, in order. */
function submittedJobs(): Array<{ jobId: string; size: number | undefined }> {
  return standIn.endpoint.control
    .calls()
    .filter((call) => call.operation === "SubmitJob" && call.status === 200)
    .map((call) => ({
      jobId: (call.response as { jobId: string }).jobId,
      size: (call.request as { arrayProperties?: { size?: number } }).arrayProperties?.size,
    }));
}

async function expectNoChildLeft(): Promise<void> {
  // TerminateJob sends SIGTERM, then SIGKILL after the endpoint's grace.
  const deadline = Date.now() + 10_000;
  while (standIn.endpoint.control.processes().length > 0 && Date.now() < deadline) await sleep(100);
  expect(standIn.endpoint.control.processes()).toEqual([]);
}

describe("faults on batch", () => {
  it("a child killed mid-map (spot reclaim) loses its batches to core's retries, and the results are exact", async () => {
    const before = submittedJobs().length;
    await setPlan(standIn.plan({ workers: 2 }));
    const inputs = Array.from({ length: 60 }, (_, x) => ({ x, ms: 150 }));
    let killed: { pid: number; statusReason: string } | undefined;
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => warnings.push(`${warning.code}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const results = await map(slowSquare, inputs, {
        retries: 2,
        onProgress: ({ done }) => {
          if (done >= 6 && killed === undefined) {
            const [first] = submittedJobs().slice(before);
            killed = standIn.endpoint.control.killChild({ jobId: `${first!.jobId}:0` });
          }
        },
      });
      expect(results).toEqual(inputs.map(({ x }) => x * x));
    } finally {
      process.off("warning", onWarning);
    }
    expect(killed?.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
    // The loss names Batch's reason and the exit code.
    const lost = warnings.find((w) => w.startsWith("PARAZARR_BATCH_CHILD_LOST"));
    expect(lost).toMatch(/Host EC2 \(instance i-[0-9a-f]+\) terminated\./);
    expect(lost).toMatch(/exit code 137/);
    await setPlan(sequential());
    await expectNoChildLeft();
  }, 180_000);

  it("a queue without capacity fails the map with a BatchCapacityError naming the queue, the job and the reason, in bounded time", async () => {
    standIn.endpoint.control.holdRunnable({ hold: true });
    try {
      await setPlan(standIn.plan({ workers: 2, runnableTimeoutMs: 2_000 }));
      const started = Date.now();
      const error = await map(slowSquare, [{ x: 1, ms: 1 }]).then(() => undefined, (e: unknown) => e as Error & { cause?: unknown });
      expect(Date.now() - started).toBeLessThan(40_000);
      expect(isTaskError(error)).toBe(true);
      const cause = error?.cause;
      expect(isBatchCapacityError(cause)).toBe(true);
      const job = submittedJobs().at(-1)!.jobId;
      expect((cause as Error).message).toContain(JOB_QUEUE);
      expect((cause as Error).message).toContain(`job ${job}:`);
      expect((cause as Error).message).toMatch(/still RUNNABLE after \d+ s/);
      // The plan stays unable to run, with the same error, rather than waiting for ever.
      const again = await map(slowSquare, [{ x: 2, ms: 1 }]).then(() => undefined, (e: unknown) => e as Error & { cause?: unknown });
      expect(isBatchCapacityError(again?.cause)).toBe(true);
      await setPlan(sequential());
    } finally {
      standIn.endpoint.control.holdRunnable({ hold: false });
    }
    await expectNoChildLeft();
  }, 120_000);

  it("a MISCONFIGURATION: reason fails at once, not after runnableTimeoutMs", async () => {
    const reason = "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.";
    standIn.endpoint.control.holdRunnable({ hold: true, reason });
    try {
      await setPlan(standIn.plan({ workers: 2, runnableTimeoutMs: 600_000 }));
      const started = Date.now();
      const error = await map(slowSquare, [{ x: 1, ms: 1 }]).then(() => undefined, (e: unknown) => e as Error & { cause?: unknown });
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(isBatchJobError(error?.cause)).toBe(true);
      expect((error?.cause as Error).message).toContain(reason);
      expect((error?.cause as Error).message).toContain(JOB_QUEUE);
      await setPlan(sequential());
    } finally {
      standIn.endpoint.control.holdRunnable({ hold: false });
    }
    await expectNoChildLeft();
  }, 120_000);

  it("throttling (TooManyRequestsException) on submit and on watching is waited out", async () => {
    standIn.endpoint.control.throttle({ operations: ["SubmitJob", "DescribeJobs", "DescribeJobDefinitions"], count: 8 });
    await setPlan(standIn.plan({ workers: 2 }));
    const inputs = Array.from({ length: 10 }, (_, x) => ({ x, ms: 5 }));
    expect(await map(slowSquare, inputs)).toEqual(inputs.map(({ x }) => x * x));
    const throttled = standIn.endpoint.control.calls().filter((call) => call.status === 429);
    expect(throttled.length).toBe(8);
    await setPlan(sequential());
    await expectNoChildLeft();
  }, 120_000);

  it("an aborted map and a closed plan leave no child running, even children still starting", async () => {
    await setPlan(standIn.plan({ workers: 2 }));
    const controller = new AbortController();
    const running = map(slowSquare, Array.from({ length: 20 }, (_, x) => ({ x, ms: 2_000 })), { signal: controller.signal });
    await sleep(4_000);
    controller.abort(new Error("user pressed stop"));
    await expect(running).rejects.toThrow(/user pressed stop|aborted/);
    await setPlan(sequential());
    await expectNoChildLeft();

    // Closed while its children wait for capacity: they are terminated too.
    standIn.endpoint.control.holdRunnable({ hold: true });
    try {
      await setPlan(standIn.plan({ workers: 2 }));
      const waiting = map(slowSquare, [{ x: 1, ms: 1 }]).catch((e: unknown) => e);
      await sleep(1_500);
      await setPlan(sequential());
      await waiting;
    } finally {
      standIn.endpoint.control.holdRunnable({ hold: false });
    }
    await sleep(500);
    await expectNoChildLeft();
    const last = submittedJobs().at(-1)!.jobId;
    const terminated = standIn.endpoint.control.calls().filter((call) => call.operation === "TerminateJob" && (call.request as { jobId: string }).jobId === last);
    expect(terminated.length).toBe(1);
  }, 120_000);
});
