/**
 * The local AWS Batch endpoint (test/fixtures/batch-endpoint.mjs), driven through the real
 * @aws-sdk/client-batch: jobs move through Batch's states, array parents follow their rules,
 * attempts run as real processes with a container's environment, and every answer is checked
 * against botocore's published model after each test.
 */
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchClient, CancelJobCommand, ListJobsCommand, SubmitJobCommand, TerminateJobCommand, type JobDetail } from "@aws-sdk/client-batch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_ROLE_CREDENTIALS, TIMEOUT_REASON, type BatchEndpoint } from "./fixtures/batch-endpoint.mjs";
import { describeJob, expectFaithfulResponses, isAlive, isDone, registerNodeScript, startEndpointAndClient, stopAndExpectNoChildren, waitForJob } from "./fixtures/batch-endpoint-testing.js";

/** A child that waits until the file named by its argument exists, then exits with the code in it. */
const WAIT_FOR_RELEASE = "const fs=require('fs');const f=process.argv[1];const t=setInterval(()=>{if(fs.existsSync(f)){clearInterval(t);process.exitCode=Number(fs.readFileSync(f,'utf8')||0)}},10)";
const RUN_FOREVER = "setInterval(()=>{},1000)";

let endpoint: BatchEndpoint;
let client: BatchClient;
let dir: string;

async function start(options = {}) {
  ({ endpoint, client } = await startEndpointAndClient(options));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "batch-endpoint-test-"));
  await start();
});

afterEach(async () => {
  expectFaithfulResponses(endpoint);
  await stopAndExpectNoChildren(endpoint);
  rmSync(dir, { recursive: true, force: true });
});

async function submit(jobDefinition: string, extra: Partial<ConstructorParameters<typeof SubmitJobCommand>[0]> = {}): Promise<string> {
  const { jobId } = await client.send(new SubmitJobCommand({ jobName: "fixture-job", jobQueue: "parazarr-spot", jobDefinition, ...extra }));
  return jobId!;
}

const running = (job: JobDetail) => job.status === "RUNNING";

describe("a single job", () => {
  it("moves SUBMITTED → PENDING → RUNNABLE → STARTING → RUNNING → SUCCEEDED, with timestamps and a log stream once RUNNING", async () => {
    await endpoint.stop();
    await start({ stepMs: 600, startDelayMs: 400 });
    const release = join(dir, "release");
    const def = await registerNodeScript(client, "waits", WAIT_FOR_RELEASE);
    const before = Date.now();
    const jobId = await submit(def, { parameters: { arg: release } });
    const submitted = await describeJob(client, jobId);
    expect(submitted).toMatchObject({ status: "SUBMITTED", jobName: "fixture-job", jobQueue: "arn:aws:batch:us-east-1:123456789012:job-queue/parazarr-spot" });
    expect(submitted.startedAt).toBeUndefined();
    expect(submitted.container?.logStreamName).toBeUndefined();
    const { job: atRunning, seen } = await waitForJob(client, jobId, running);
    expect(atRunning.container?.logStreamName).toMatch(/^waits\/default\/[0-9a-f]{32}$/);
    expect(atRunning.startedAt).toBeGreaterThanOrEqual(atRunning.createdAt!);
    writeFileSync(release, "0");
    const { job, seen: after } = await waitForJob(client, jobId, isDone);
    const all = [...seen, ...after.slice(1)];
    expect(all).toEqual(["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]);
    expect(job.createdAt).toBeGreaterThanOrEqual(before);
    expect(job.stoppedAt).toBeGreaterThanOrEqual(job.startedAt!);
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts![0]).toMatchObject({ container: { exitCode: 0, logStreamName: atRunning.container!.logStreamName }, statusReason: "Essential container in task exited" });
  });

  it("runs the container's command with node = this Node.js, Ref:: parameters, the merged environment and Batch's variables, and not the caller's environment", async () => {
    process.env.PARAZARR_CALLER_ONLY = "caller-canary-value";
    try {
      const script = "console.log(JSON.stringify({execPath:process.execPath,arg:process.argv[1],env:process.env}))";
      const def = await registerNodeScript(client, "env", script, {
        containerProperties: { image: "node:20", command: ["node", "-e", script, "Ref::arg"], environment: [{ name: "FROM_DEF", value: "def" }, { name: "BOTH", value: "def" }] },
      });
      const jobId = await submit(def, { parameters: { arg: "from-submit" }, containerOverrides: { environment: [{ name: "BOTH", value: "override" }] } });
      const { job } = await waitForJob(client, jobId, isDone);
      expect(job.status).toBe("SUCCEEDED");
      const [log] = endpoint.control.logs(jobId);
      const printed = JSON.parse(log!.output) as { execPath: string; arg: string; env: Record<string, string> };
      expect(printed.execPath).toBe(process.execPath);
      expect(printed.arg).toBe("from-submit");
      expect(printed.env).toMatchObject({
        FROM_DEF: "def",
        BOTH: "override",
        AWS_BATCH_JOB_ID: jobId,
        AWS_BATCH_JOB_ATTEMPT: "1",
        AWS_BATCH_JQ_NAME: "parazarr-spot",
        AWS_BATCH_CE_NAME: "parazarr-fixture-ce",
        AWS_REGION: "us-east-1",
      });
      expect(printed.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(new RegExp(`^${endpoint.url}/creds/`));
      expect(printed.env.AWS_BATCH_JOB_ARRAY_INDEX).toBeUndefined();
      expect(printed.env.PARAZARR_CALLER_ONLY).toBeUndefined();
      expect(log!.logStreamName).toBe(job.container!.logStreamName);
    } finally {
      delete process.env.PARAZARR_CALLER_ONLY;
    }
  });

  it("gives the child its job role's credentials through the container endpoint, which the SDK's default chain picks up (not the caller's keys)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = "AKIACALLERCANARY0001";
    process.env.AWS_SECRET_ACCESS_KEY = "caller-canary-secret";
    try {
      const provider = createRequire(import.meta.url).resolve("@aws-sdk/credential-provider-node");
      const script = "require(process.argv[1]).defaultProvider()().then(c=>console.log(JSON.stringify({id:c.accessKeyId,token:c.sessionToken})),e=>{console.error(String(e));process.exit(3)})";
      const def = await registerNodeScript(client, "whoami", script);
      const jobId = await submit(def, { parameters: { arg: provider } });
      const { job } = await waitForJob(client, jobId, isDone);
      const output = endpoint.control.logs(jobId)[0]!.output;
      expect(job.status, output).toBe("SUCCEEDED");
      expect(JSON.parse(output)).toEqual({ id: DEFAULT_ROLE_CREDENTIALS.accessKeyId, token: DEFAULT_ROLE_CREDENTIALS.sessionToken });
      expect(endpoint.control.credentialRequests()).toBe(1);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});

describe("attempts", () => {
  const FAIL_UNTIL_THIRD = "const a=Number(process.env.AWS_BATCH_JOB_ATTEMPT);console.log('attempt '+a);process.exit(a<3?1:0)";

  it("retries a failed attempt while attempts remain, keeping each attempt's exit code and output", async () => {
    const def = await registerNodeScript(client, "flaky", FAIL_UNTIL_THIRD);
    const jobId = await submit(def, { retryStrategy: { attempts: 3 } });
    const { job } = await waitForJob(client, jobId, isDone);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts!.map((a) => a.container?.exitCode)).toEqual([1, 1, 0]);
    const logs = endpoint.control.logs(jobId);
    expect(logs.map((l) => [l.attempt, l.output])).toEqual([[1, "attempt 1\n"], [2, "attempt 2\n"], [3, "attempt 3\n"]]);
    expect(new Set(logs.map((l) => l.logStreamName)).size).toBe(3);
    expect(job.attempts!.map((a) => a.container?.logStreamName)).toEqual(logs.map((l) => l.logStreamName));
  });

  it("fails once attempts are used up, with the last attempt's reason", async () => {
    const def = await registerNodeScript(client, "flaky", FAIL_UNTIL_THIRD);
    const jobId = await submit(def, { retryStrategy: { attempts: 2 } });
    const { job } = await waitForJob(client, jobId, isDone);
    expect(job).toMatchObject({ status: "FAILED", statusReason: "Essential container in task exited" });
    expect(job.attempts!.map((a) => a.container?.exitCode)).toEqual([1, 1]);
  });

  it("stops at an evaluateOnExit EXIT match and retries when no rule matches", async () => {
    const def = await registerNodeScript(client, "exit42", "process.exit(42)");
    const exits = await submit(def, { retryStrategy: { attempts: 5, evaluateOnExit: [{ onExitCode: "42", action: "EXIT" }] } });
    const unmatched = await submit(def, { retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: "7*", action: "EXIT" }] } });
    expect((await waitForJob(client, exits, isDone)).job.attempts).toHaveLength(1);
    const { job } = await waitForJob(client, unmatched, isDone);
    expect(job.status).toBe("FAILED");
    expect(job.attempts).toHaveLength(2);
  });

  it("ends an attempt past attemptDurationSeconds and does not retry it", async () => {
    // secondMs = 10: 60 Batch seconds last 0.6 s here.
    const def = await registerNodeScript(client, "forever", RUN_FOREVER);
    const jobId = await submit(def, { timeout: { attemptDurationSeconds: 60 }, retryStrategy: { attempts: 3 } });
    const { job } = await waitForJob(client, jobId, isDone);
    expect(job).toMatchObject({ status: "FAILED", statusReason: TIMEOUT_REASON });
    expect(job.attempts).toHaveLength(1);
    expect(job.attempts![0]!.container?.exitCode).toBe(143);
  });
});

describe("array jobs", () => {
  it("names children <parent>:<index>, keeps the parent PENDING while they run, and fails it when any child fails", async () => {
    const def = await registerNodeScript(client, "waits", WAIT_FOR_RELEASE);
    const release = join(dir, "release");
    const parentId = await submit(def, { arrayProperties: { size: 3 }, parameters: { arg: release } });
    const parentStates = new Set<string>();
    const { job: busy } = await waitForJob(client, parentId, (p) => (parentStates.add(p.status!), p.arrayProperties?.statusSummary?.RUNNING === 3));
    expect(busy.status).toBe("PENDING");
    expect(busy.arrayProperties).toEqual({ size: 3, statusSummary: { STARTING: 0, FAILED: 0, RUNNING: 3, SUCCEEDED: 0, RUNNABLE: 0, SUBMITTED: 0, PENDING: 0 } });
    expect(busy.attempts).toEqual([]);
    const children = await client.send(new ListJobsCommand({ arrayJobId: parentId }));
    expect(children.jobSummaryList!.map((c) => [c.jobId, c.arrayProperties?.index, c.status])).toEqual([0, 1, 2].map((i) => [`${parentId}:${i}`, i, "RUNNING"]));
    const child1 = await describeJob(client, `${parentId}:1`);
    expect(child1.arrayProperties).toEqual({ index: 1 });
    writeFileSync(release, "0");
    const { job: done } = await waitForJob(client, parentId, (p) => (parentStates.add(p.status!), isDone(p)));
    expect(done.status).toBe("SUCCEEDED");
    expect([...parentStates].every((s) => ["SUBMITTED", "PENDING", "SUCCEEDED", "FAILED"].includes(s))).toBe(true);
    expect(done.arrayProperties?.statusSummary).toMatchObject({ SUCCEEDED: 3, FAILED: 0, RUNNING: 0 });

    const failing = await registerNodeScript(client, "odd-fails", "process.exit(Number(process.env.AWS_BATCH_JOB_ARRAY_INDEX)%2)");
    const second = await submit(failing, { arrayProperties: { size: 4 } });
    const { job: failed } = await waitForJob(client, second, isDone);
    expect(failed.status).toBe("FAILED");
    expect(failed.arrayProperties?.statusSummary).toMatchObject({ SUCCEEDED: 2, FAILED: 2 });
    const listed = await client.send(new ListJobsCommand({ arrayJobId: second, jobStatus: "FAILED" }));
    expect(listed.jobSummaryList!.map((c) => c.jobId).sort()).toEqual([`${second}:1`, `${second}:3`]);
    expect(listed.jobSummaryList![0]!.container).toEqual({ exitCode: 1 });
  });

  it("gives each child its AWS_BATCH_JOB_ARRAY_INDEX", async () => {
    const def = await registerNodeScript(client, "index", "console.log(process.env.AWS_BATCH_JOB_ID+' '+process.env.AWS_BATCH_JOB_ARRAY_INDEX)");
    const parentId = await submit(def, { arrayProperties: { size: 2 } });
    await waitForJob(client, parentId, isDone);
    expect([0, 1].map((i) => endpoint.control.logs(`${parentId}:${i}`)[0]!.output)).toEqual([`${parentId}:0 0\n`, `${parentId}:1 1\n`]);
  });
});

describe("terminate, cancel, kill, hold", () => {
  it("CancelJob leaves a RUNNING job running; TerminateJob kills it and fails it with the reason", async () => {
    const def = await registerNodeScript(client, "forever", RUN_FOREVER);
    const jobId = await submit(def);
    await waitForJob(client, jobId, running);
    const [pid] = endpoint.control.processes();
    await client.send(new CancelJobCommand({ jobId, reason: "cancel while running" }));
    await new Promise((r) => setTimeout(r, 200));
    expect((await describeJob(client, jobId)).status).toBe("RUNNING");
    expect(isAlive(pid!)).toBe(true);
    await client.send(new TerminateJobCommand({ jobId, reason: "plan closed" }));
    const { job } = await waitForJob(client, jobId, isDone);
    expect(job).toMatchObject({ status: "FAILED", statusReason: "plan closed" });
    expect(job.attempts![0]!.container?.exitCode).toBe(143);
    expect(isAlive(pid!)).toBe(false);
  });

  it("TerminateJob SIGKILLs a child that ignores SIGTERM once the grace period is over", async () => {
    const def = await registerNodeScript(client, "stubborn", "process.on('SIGTERM',()=>{});setInterval(()=>{},1000)");
    const jobId = await submit(def);
    await waitForJob(client, jobId, running);
    await new Promise((r) => setTimeout(r, 200)); // let it install its handler
    await client.send(new TerminateJobCommand({ jobId, reason: "stop" }));
    const { job } = await waitForJob(client, jobId, isDone);
    expect(job.attempts![0]!.container?.exitCode).toBe(137);
  });

  it("CancelJob fails a job that has not started; TerminateJob on an array parent fails every child", async () => {
    endpoint.control.holdRunnable({ hold: true });
    const def = await registerNodeScript(client, "forever", RUN_FOREVER);
    const waiting = await submit(def);
    await waitForJob(client, waiting, (j) => j.status === "RUNNABLE");
    await client.send(new CancelJobCommand({ jobId: waiting, reason: "not needed" }));
    expect(await describeJob(client, waiting)).toMatchObject({ status: "FAILED", statusReason: "not needed", attempts: [] });

    endpoint.control.holdRunnable({ hold: false });
    const parentId = await submit(def, { arrayProperties: { size: 3 } });
    await waitForJob(client, parentId, (p) => p.arrayProperties?.statusSummary?.RUNNING === 3);
    expect(endpoint.control.processes()).toHaveLength(3);
    await client.send(new TerminateJobCommand({ jobId: parentId, reason: "close()" }));
    const { job } = await waitForJob(client, parentId, isDone);
    expect(job.status).toBe("FAILED");
    expect(job.arrayProperties?.statusSummary).toMatchObject({ FAILED: 3 });
    for (const i of [0, 1, 2]) expect(await describeJob(client, `${parentId}:${i}`)).toMatchObject({ status: "FAILED", statusReason: "close()" });
    expect(endpoint.control.processes()).toEqual([]);
  });

  it("killChild is a spot reclaim: host-terminated reason, exit 137, then the next attempt runs", async () => {
    const def = await registerNodeScript(client, "spot", "if(process.env.AWS_BATCH_JOB_ATTEMPT==='1')setInterval(()=>{},1000)");
    const jobId = await submit(def, { retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: "Host EC2*", action: "RETRY" }, { onReason: "*", action: "EXIT" }] } });
    await waitForJob(client, jobId, running);
    const { pid } = endpoint.control.killChild({ jobId });
    const { job } = await waitForJob(client, jobId, isDone);
    expect(isAlive(pid)).toBe(false);
    expect(job.status).toBe("SUCCEEDED");
    expect(job.attempts![0]!.statusReason).toMatch(/^Host EC2 \(instance i-0[0-9a-f]{16}\) terminated\.$/);
    expect(job.attempts![0]!.container?.exitCode).toBe(137);
    expect(job.attempts![1]!.container?.exitCode).toBe(0);
  });

  it("holdRunnable keeps new jobs RUNNABLE (with a MISCONFIGURATION reason when given) until released", async () => {
    endpoint.control.holdRunnable({ jobQueue: "parazarr-spot", hold: true, reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue." });
    const def = await registerNodeScript(client, "quick", "");
    const jobId = await submit(def);
    const other = await submit(def, { jobQueue: "other-queue" });
    const { job } = await waitForJob(client, jobId, (j) => j.status === "RUNNABLE" && j.statusReason !== undefined);
    expect(job.statusReason).toMatch(/^MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - /);
    expect((await waitForJob(client, other, isDone)).job.status).toBe("SUCCEEDED");
    await new Promise((r) => setTimeout(r, 100));
    expect((await describeJob(client, jobId)).status).toBe("RUNNABLE");
    endpoint.control.holdRunnable({ jobQueue: "parazarr-spot", hold: false });
    const { job: done } = await waitForJob(client, jobId, isDone);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.statusReason).toBe("Essential container in task exited");
  });

  it("stop() kills every child it started, by PID", async () => {
    const def = await registerNodeScript(client, "forever", RUN_FOREVER);
    const parentId = await submit(def, { arrayProperties: { size: 3 } });
    await waitForJob(client, parentId, (p) => p.arrayProperties?.statusSummary?.RUNNING === 3);
    const pids = endpoint.control.processes();
    expect(pids).toHaveLength(3);
    expect(pids.every(isAlive)).toBe(true);
    expectFaithfulResponses(endpoint);
    await endpoint.stop();
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
