/**
 * The local Batch endpoint's limits, errors and controls, through the real @aws-sdk/client-batch:
 * what the real service refuses is a ClientException the SDK surfaces by name, what it fails at run
 * time fails at run time, throttling is a 429 the SDK's retries survive, and the control API works
 * in-process and over HTTP. Every answer is checked against botocore's model after each test.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  BatchClient,
  BatchServiceException,
  CancelJobCommand,
  ClientException,
  DescribeJobDefinitionsCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
  ServerException,
  SubmitJobCommand,
  TerminateJobCommand,
  type SubmitJobCommandInput,
} from "@aws-sdk/client-batch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LIMITS, OPERATIONS, OVERRIDES_TOO_LONG, checkShape, startBatchEndpoint, type BatchEndpoint } from "./fixtures/batch-endpoint.mjs";
import { TEST_CREDENTIALS, describeJob, expectFaithfulResponses, isAlive, isDone, registerNodeScript, startEndpointAndClient, stopAndExpectNoChildren, waitForJob } from "./fixtures/batch-endpoint-testing.js";

let endpoint: BatchEndpoint;
let client: BatchClient;
let def: string;

beforeEach(async () => {
  ({ endpoint, client } = await startEndpointAndClient());
  def = await registerNodeScript(client, "quick", "");
});

afterEach(async () => {
  expectFaithfulResponses(endpoint);
  await stopAndExpectNoChildren(endpoint);
});

function submit(extra: Partial<SubmitJobCommandInput> = {}) {
  return client.send(new SubmitJobCommand({ jobName: "limits", jobQueue: "parazarr-spot", jobDefinition: def, ...extra }));
}

async function clientError(promise: Promise<unknown>): Promise<ClientException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientException);
  expect((error as ClientException).$metadata.httpStatusCode).toBe(400);
  return error as ClientException;
}

describe("limits", () => {
  it("accepts array sizes 2 to 10,000 and refuses 1 and 10,001 at submit", async () => {
    expect((await clientError(submit({ arrayProperties: { size: 1 } }))).message).toMatch(/Array size must be between 2 and 10000, got 1/);
    expect((await clientError(submit({ arrayProperties: { size: 10_001 } }))).message).toMatch(/got 10001/);
    endpoint.control.holdRunnable({ hold: true }); // 10,000 records, no 10,000 processes
    const { jobId } = await submit({ arrayProperties: { size: LIMITS.arraySizeMax } });
    const { job } = await waitForJob(client, jobId!, (p) => p.arrayProperties?.statusSummary?.RUNNABLE === 10_000);
    expect(job).toMatchObject({ status: "PENDING", arrayProperties: { size: 10_000 } });
    await client.send(new TerminateJobCommand({ jobId: jobId!, reason: "done looking" }));
    expect((await describeJob(client, jobId!)).arrayProperties?.statusSummary?.FAILED).toBe(10_000);
    const small = await submit({ arrayProperties: { size: 2 } });
    expect(small.jobId).toBeDefined();
  });

  it("describes at most 100 job IDs a call", async () => {
    const { jobId } = await submit();
    const hundred = [jobId!, ...Array.from({ length: 99 }, (_, i) => `missing-${i}`)];
    const { jobs } = await client.send(new DescribeJobsCommand({ jobs: hundred }));
    expect(jobs!.map((j) => j.jobId)).toEqual([jobId]); // unknown IDs are left out, not errors
    const error = await clientError(client.send(new DescribeJobsCommand({ jobs: [...hundred, "one-more"] })));
    expect(error.message).toMatch(/at most 100 job IDs, got 101/);
  });

  it("accepts containerOverrides over 8192 characters at submit and fails the job when it would start", async () => {
    const overrides = { environment: [{ name: "BIG", value: "x".repeat(9000) }] };
    expect(JSON.stringify(overrides).length).toBeGreaterThan(LIMITS.overridesMaxChars);
    const { jobId } = await submit({ containerOverrides: overrides });
    const { job, seen } = await waitForJob(client, jobId!, isDone);
    expect(job).toMatchObject({ status: "FAILED", statusReason: OVERRIDES_TOO_LONG, attempts: [] });
    expect(seen).not.toContain("RUNNING");
    expect(endpoint.control.logs(jobId!)).toEqual([]);
    const shell = JSON.stringify({ environment: [{ name: "OK", value: "" }] }).length;
    const atLimit = { environment: [{ name: "OK", value: "x".repeat(LIMITS.overridesMaxChars - shell) }] };
    expect(JSON.stringify(atLimit).length).toBe(LIMITS.overridesMaxChars);
    const fine = await submit({ containerOverrides: atLimit });
    expect((await waitForJob(client, fine.jobId!, isDone)).job.status).toBe("SUCCEEDED");
  });

  it("refuses a SubmitJob payload over 30 KiB", async () => {
    const error = await clientError(submit({ parameters: { big: "y".repeat(LIMITS.payloadMaxBytes) } }));
    expect(error.message).toMatch(/exceeds the maximum of 30720 bytes/);
  });

  it("takes 1 to 10 attempts and attemptDurationSeconds of at least 60, at submit and at register", async () => {
    for (const attempts of [0, 11]) expect((await clientError(submit({ retryStrategy: { attempts } }))).message).toMatch(/Attempts must be between 1 and 10/);
    expect((await clientError(submit({ timeout: { attemptDurationSeconds: 59 } }))).message).toMatch(/at least 60, got 59/);
    await clientError(client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "bad", type: "container", retryStrategy: { attempts: 11 } })));
    await clientError(client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "bad", type: "container", timeout: { attemptDurationSeconds: 30 } })));
    const ok = await submit({ retryStrategy: { attempts: 10 }, timeout: { attemptDurationSeconds: 60 } });
    expect(await describeJob(client, ok.jobId!)).toMatchObject({ retryStrategy: { attempts: 10 }, timeout: { attemptDurationSeconds: 60 } });
  });

  it("lists RUNNING jobs only when ListJobs has no status, every status under filters, and pages by nextToken", async () => {
    const forever = await registerNodeScript(client, "forever", "setInterval(()=>{},1000)");
    const done = await submit();
    await waitForJob(client, done.jobId!, isDone);
    const busy = await submit({ jobDefinition: forever, jobName: "busy" });
    await waitForJob(client, busy.jobId!, (j) => j.status === "RUNNING");
    const noStatus = await client.send(new ListJobsCommand({ jobQueue: "parazarr-spot" }));
    expect(noStatus.jobSummaryList!.map((j) => j.jobId)).toEqual([busy.jobId]);
    const succeeded = await client.send(new ListJobsCommand({ jobQueue: "parazarr-spot", jobStatus: "SUCCEEDED" }));
    expect(succeeded.jobSummaryList!.map((j) => j.jobId)).toEqual([done.jobId]);
    const byName = await client.send(new ListJobsCommand({ jobQueue: "parazarr-spot", jobStatus: "RUNNING", filters: [{ name: "JOB_NAME", values: ["lim*"] }] }));
    expect(byName.jobSummaryList!.map((j) => j.jobId)).toEqual([done.jobId]);
    const page1 = await client.send(new ListJobsCommand({ jobQueue: "parazarr-spot", filters: [{ name: "JOB_DEFINITION", values: ["*"] }], maxResults: 1 }));
    expect(page1.jobSummaryList).toHaveLength(1);
    const page2 = await client.send(new ListJobsCommand({ jobQueue: "parazarr-spot", filters: [{ name: "JOB_DEFINITION", values: ["*"] }], maxResults: 1, nextToken: page1.nextToken }));
    expect([...page1.jobSummaryList!, ...page2.jobSummaryList!].map((j) => j.jobId)).toEqual([done.jobId, busy.jobId]);
    expect(page2.nextToken).toBeUndefined();
    await clientError(client.send(new ListJobsCommand({ jobQueue: "parazarr-spot", maxResults: 101 })));
  });
});

describe("job definitions and queues", () => {
  it("increments revisions per name and finds them by name, name:revision and ARN", async () => {
    const second = await client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "quick", type: "container", containerProperties: { image: "node:22", command: ["node", "-e", ""] } }));
    expect(second).toMatchObject({ jobDefinitionName: "quick", revision: 2, jobDefinitionArn: "arn:aws:batch:us-east-1:123456789012:job-definition/quick:2" });
    const byName = await client.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: "quick", status: "ACTIVE" }));
    expect(byName.jobDefinitions!.map((d) => d.revision)).toEqual([1, 2]);
    const byRef = await client.send(new DescribeJobDefinitionsCommand({ jobDefinitions: ["quick:1", second.jobDefinitionArn!, "nothing:1"] }));
    expect(byRef.jobDefinitions!.map((d) => [d.revision, d.status, d.type])).toEqual([[1, "ACTIVE", "container"], [2, "ACTIVE", "container"]]);
    const latest = await submit({ jobDefinition: "quick" });
    expect((await describeJob(client, latest.jobId!)).jobDefinition).toBe(second.jobDefinitionArn);
    expect((await clientError(submit({ jobDefinition: "quick:7" }))).message).toMatch(/JobDefinition quick:7 not found/);
  });

  it("refuses a queue named by unknownQueue, by name or ARN, and a submit without the required members", async () => {
    endpoint.control.unknownQueue("gone-queue");
    expect((await clientError(submit({ jobQueue: "gone-queue" }))).message).toMatch(/JobQueue gone-queue not found/);
    await clientError(submit({ jobQueue: "arn:aws:batch:us-east-1:123456789012:job-queue/gone-queue" }));
    await clientError(client.send(new ListJobsCommand({ jobQueue: "gone-queue" })));
    await clientError(submit({ jobName: "-starts-with-a-hyphen" }));
    const { jobId } = await submit({ jobQueue: "arn:aws:batch:us-east-1:123456789012:job-queue/parazarr-spot" });
    expect((await describeJob(client, jobId!)).jobQueue).toBe("arn:aws:batch:us-east-1:123456789012:job-queue/parazarr-spot");
  });
});

describe("throttling", () => {
  it("answers 429 TooManyRequestsException, which the SDK retries as throttling, up to its maxAttempts", async () => {
    endpoint.control.throttle({ operations: ["SubmitJob"], count: 2 });
    const { jobId } = await submit();
    expect(jobId).toBeDefined();
    const submits = endpoint.control.calls().filter((c) => c.operation === "SubmitJob");
    expect(submits.map((c) => [c.status, c.errorType])).toEqual([[429, "TooManyRequestsException"], [429, "TooManyRequestsException"], [200, undefined]]);
    // Other operations are not throttled by a SubmitJob rule.
    await client.send(new DescribeJobsCommand({ jobs: [jobId!] }));
  });

  it("surfaces TooManyRequestsException (a BatchServiceException: Batch's model has no such error) once retries run out", async () => {
    endpoint.control.throttle({ count: 5 });
    const error = await submit().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchServiceException);
    expect(error).not.toBeInstanceOf(ClientException);
    expect(error).toMatchObject({ name: "TooManyRequestsException", message: "Too Many Requests", $metadata: { httpStatusCode: 429, attempts: 3 } });
    const single = new BatchClient({ endpoint: endpoint.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    await expect(single.send(new DescribeJobsCommand({ jobs: ["x"] }))).rejects.toMatchObject({ name: "TooManyRequestsException" });
    expect(endpoint.control.calls().filter((c) => c.status === 429)).toHaveLength(4);
  });
});

describe("control", () => {
  async function control(verb: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${endpoint.controlUrl}/${verb}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = (await response.json()) as { result?: unknown; message?: string };
    if (!response.ok) throw new Error(answer.message);
    return answer.result;
  }

  it("works over HTTP: holdRunnable, processes, killChild, logs, calls, throttle, unknownQueue", async () => {
    await control("holdRunnable", { hold: true, reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big" });
    const forever = await registerNodeScript(client, "talks", "console.log('hello from '+process.env.AWS_BATCH_JOB_ID);setInterval(()=>{},1000)");
    const { jobId } = await submit({ jobDefinition: forever });
    await waitForJob(client, jobId!, (j) => j.statusReason?.startsWith("MISCONFIGURATION:") === true);
    expect(await control("processes")).toEqual([]);
    await control("holdRunnable", { hold: false });
    await waitForJob(client, jobId!, (j) => j.status === "RUNNING");
    const [pid] = (await control("processes")) as number[];
    expect(isAlive(pid!)).toBe(true);
    await expect.poll(async () => ((await control("logs", { jobId })) as { output: string }[])[0]?.output).toBe(`hello from ${jobId}\n`);
    const killed = (await control("killChild", { jobId })) as { pid: number; statusReason: string };
    expect(killed.pid).toBe(pid);
    const { job } = await waitForJob(client, jobId!, isDone);
    expect(job).toMatchObject({ status: "FAILED", statusReason: killed.statusReason });
    expect(job.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
    expect(isAlive(pid!)).toBe(false);
    await control("throttle", { operations: ["ListJobs"], count: 1 });
    await control("unknownQueue", { name: "nope" });
    await clientError(submit({ jobQueue: "nope" }));
    const calls = (await control("calls")) as { operation: string; bodySize: number; time: number }[];
    expect(calls.filter((c) => c.operation === "SubmitJob").length).toBe(2);
    expect(calls.every((c) => c.bodySize > 0 && c.time > 0)).toBe(true);
    await expect(control("killChild", { jobId })).rejects.toThrow(/has no running attempt/);
    await expect(control("noSuchVerb")).rejects.toThrow(/no control verb noSuchVerb/);
  });

  it("keeps request and response bodies for the latest callBodiesKept calls, and every call's operation, time and size", async () => {
    const small = await startBatchEndpoint({ callBodiesKept: 2 });
    try {
      const own = new BatchClient({ endpoint: small.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
      for (const id of ["a", "b", "c"]) await own.send(new DescribeJobsCommand({ jobs: [id] }));
      const calls = small.control.calls();
      expect(calls.map((c) => [c.operation, c.trimmed === true, (c.request as { jobs?: string[] } | undefined)?.jobs])).toEqual([
        ["DescribeJobs", true, undefined],
        ["DescribeJobs", false, ["b"]],
        ["DescribeJobs", false, ["c"]],
      ]);
      expect(calls.every((c) => c.bodySize === '{"jobs":["a"]}'.length && c.time > 0 && c.status === 200)).toBe(true);
    } finally {
      await small.stop();
    }
  });

  it("runs on its own: `node test/fixtures/batch-endpoint.mjs` prints its URL and kills its children on SIGTERM", async () => {
    const script = fileURLToPath(new URL("./fixtures/batch-endpoint.mjs", import.meta.url));
    const server = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(createInterface({ input: server.stdout }), "line")) as [string];
      const { url, control: controlUrl } = JSON.parse(line) as { url: string; control: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(controlUrl).toBe(`${url}/_control`);
      const own = new BatchClient({ endpoint: url, region: "us-east-1", credentials: TEST_CREDENTIALS });
      const forever = await registerNodeScript(own, "forever", "setInterval(()=>{},1000)");
      const { jobId } = await own.send(new SubmitJobCommand({ jobName: "alone", jobQueue: "q", jobDefinition: forever, arrayProperties: { size: 2 } }));
      await waitForJob(own, jobId!, (p) => p.arrayProperties?.statusSummary?.RUNNING === 2);
      const pids = ((await (await fetch(`${controlUrl}/processes`, { method: "POST" })).json()) as { result: number[] }).result;
      expect(pids).toHaveLength(2);
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      expect(await exited).toEqual([0, null]);
      expect(pids.filter(isAlive)).toEqual([]);
    } finally {
      if (server.exitCode === null) server.kill("SIGKILL");
    }
  });
});

describe("a caller that exits without stop()", () => {
  /** Dead, or a zombie waiting for init to reap it (its parent is gone, so it runs no more). */
  function gone(pid: number): boolean {
    if (!isAlive(pid)) return true;
    try {
      return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z") === true;
    } catch {
      return true;
    }
  }

  it("leaves no child behind", async () => {
    const fixture = new URL("./fixtures/batch-endpoint.mjs", import.meta.url).href;
    const script = `
      import { startBatchEndpoint } from ${JSON.stringify(fixture)};
      import { BatchClient, RegisterJobDefinitionCommand, SubmitJobCommand } from "@aws-sdk/client-batch";
      const e = await startBatchEndpoint();
      const c = new BatchClient({ endpoint: e.url, region: "us-east-1", credentials: ${JSON.stringify(TEST_CREDENTIALS)} });
      await c.send(new RegisterJobDefinitionCommand({ jobDefinitionName: "d", type: "container", containerProperties: { command: ["node", "-e", "setInterval(()=>{},1000)"] } }));
      await c.send(new SubmitJobCommand({ jobName: "j", jobQueue: "q", jobDefinition: "d", arrayProperties: { size: 2 } }));
      while (e.control.processes().length < 2) await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify(e.control.processes()));
      process.exit(0);`;
    const caller = spawn(process.execPath, ["--input-type=module", "-e", script], { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "inherit"] });
    const [line] = (await once(createInterface({ input: caller.stdout }), "line")) as [string];
    const pids = JSON.parse(line) as number[];
    expect(pids).toHaveLength(2);
    await once(caller, "exit");
    await expect.poll(() => pids.filter((pid) => !gone(pid)), { timeout: 3000 }).toEqual([]);
  });
});

describe("the model check itself", () => {
  it("strict mode (the default) answers a misfit shape with a ServerException naming it, instead of sending it", async () => {
    const route = OPERATIONS["/v1/canceljob"]!;
    const original = route[1];
    route[1] = () => ({ cancelled: true });
    try {
      const error = await client.send(new CancelJobCommand({ jobId: "x", reason: "r" })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ServerException);
      expect((error as ServerException).message).toBe("batch-endpoint fixture bug: CancelJob's answer is not in botocore's shape: cancelled: not a member of CancelJobResponse");
    } finally {
      route[1] = original;
    }
  });

  it("flags a member the shape does not name, a value outside an enum, a wrong type and a missing required member", () => {
    expect(checkShape("DescribeJobsResponse", { jobs: [{ jobName: "a", jobId: "b", jobQueue: "q", status: "DONE", jobDefinition: "d", extra: 1, createdAt: "now" }] })).toEqual([
      "jobs[0].status: DONE is not one of SUBMITTED|PENDING|RUNNABLE|STARTING|RUNNING|SUCCEEDED|FAILED",
      "jobs[0].extra: not a member of JobDetail",
      'jobs[0].createdAt: "now", expected an long (Long)',
    ]);
    expect(checkShape("SubmitJobResponse", { jobName: "a" })).toEqual(["<root>: required jobId missing (SubmitJobResponse)"]);
    expect(checkShape("ListJobsResponse", { jobSummaryList: [], nextToken: null })).toEqual(["nextToken: null (String); the service leaves a member out instead"]);
  });
});
