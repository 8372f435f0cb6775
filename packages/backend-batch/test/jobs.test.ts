/**
 * How the plan uses Batch: one job definition per content, registered once
 * and reused; a definition the user names, run with the bootstrap as its
 * command; several arrays when there are more workers than one array
 * holds; [batch, threads(n)] runs n threads in each child; and a script
 * that never calls close() leaves no child running once it has exited.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchClient, RegisterJobDefinitionCommand } from "@aws-sdk/client-batch";
import { map, setPlan, sequential } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";
import { slowSquare, whereSlowly } from "./fixtures/tasks.js";
import { startStandIn, type StandIn } from "./fixtures/stand-in.js";

let standIn: StandIn;

beforeAll(async () => {
  standIn = await startStandIn();
});

afterAll(async () => {
  await setPlan(sequential());
  await standIn?.stop();
});

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const calls = (operation: string) => standIn.endpoint.control.calls().filter((call) => call.operation === operation && call.status === 200);

async function expectNoChildLeft(withinMs = 15_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (standIn.endpoint.control.processes().length > 0 && Date.now() < deadline) await sleep(100);
  expect(standIn.endpoint.control.processes()).toEqual([]);
}

describe("job definitions", () => {
  it("registers parazarr-<hash> once, finds it again on the next start, and a changed spec is a new name", async () => {
    const spec = { image: "public.ecr.aws/docker/library/node:20-slim", vcpus: 1, memory: 1024 };
    for (let run = 0; run < 2; run++) {
      await setPlan(standIn.plan({ workers: 2, jobDefinition: spec }));
      expect(await map(slowSquare, [{ x: 3, ms: 1 }])).toEqual([9]);
      await setPlan(sequential());
    }
    const registered = calls("RegisterJobDefinition");
    expect(registered).toHaveLength(1);
    const name = (registered[0]!.request as { jobDefinitionName: string }).jobDefinitionName;
    expect(name).toMatch(/^parazarr-[0-9a-f]{16}$/);
    const submitted = calls("SubmitJob").slice(-2).map((call) => (call.request as { jobDefinition: string }).jobDefinition);
    expect(submitted).toEqual([`${name}:1`, `${name}:1`]);

    await setPlan(standIn.plan({ workers: 2, jobDefinition: { ...spec, memory: 2048 } }));
    expect(await map(slowSquare, [{ x: 4, ms: 1 }])).toEqual([16]);
    await setPlan(sequential());
    const names = calls("RegisterJobDefinition").map((call) => (call.request as { jobDefinitionName: string }).jobDefinitionName);
    expect(names).toHaveLength(2);
    expect(names[1]).not.toBe(name);
    await expectNoChildLeft();
  }, 180_000);

  it("runs a job definition the user names, with the bootstrap as its command override", async () => {
    const client = new BatchClient({ endpoint: standIn.endpoint.url, region: "us-east-1" });
    await client.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: "teams-node",
        type: "container",
        containerProperties: { image: "node:20", command: ["node", "-e", "process.exit(3)"], resourceRequirements: [{ type: "VCPU", value: "1" }, { type: "MEMORY", value: "512" }] },
      }),
    );
    client.destroy();
    await setPlan(standIn.plan({ workers: 2, jobDefinition: "teams-node" }));
    expect(await map(slowSquare, [{ x: 5, ms: 1 }])).toEqual([25]);
    await setPlan(sequential());
    const last = calls("SubmitJob").at(-1)!.request as { jobDefinition: string; containerOverrides: { command: string[]; environment: Array<{ name: string }> } };
    expect(last.jobDefinition).toBe("teams-node");
    expect(last.containerOverrides.command.slice(0, 2)).toEqual(["node", "-e"]);
    // Only pointers in the environment.
    expect(last.containerOverrides.environment.map((e) => e.name).sort()).toEqual(["AWS_ENDPOINT_URL_S3", "PARAZARR_RUN"]);
    await expectNoChildLeft();
  }, 120_000);
});

describe("children", () => {
  it("more workers than an array holds are several arrays (sized evenly, one worker left over is a plain job)", async () => {
    const before = calls("SubmitJob").length;
    await setPlan(standIn.plan({ workers: 5, maxArraySize: 2 }));
    let most = 0;
    const watching = setInterval(() => (most = Math.max(most, standIn.endpoint.control.processes().length)), 50);
    try {
      const inputs = Array.from({ length: 30 }, (_, x) => ({ x, ms: 300 }));
      expect(await map(slowSquare, inputs)).toEqual(inputs.map(({ x }) => x * x));
    } finally {
      clearInterval(watching);
    }
    const sizes = calls("SubmitJob").slice(before).map((call) => (call.request as { arrayProperties?: { size: number } }).arrayProperties?.size);
    expect(sizes).toEqual([2, 2, undefined]);
    expect(most).toBe(5);
    await setPlan(sequential());
    await expectNoChildLeft();
  }, 180_000);

  it("[batch({ workers: 2 }), threads(2)] runs two threads in each child", async () => {
    await setPlan([standIn.plan({ workers: 2 }), threads(2)]);
    const where = await map(whereSlowly, Array.from({ length: 24 }, () => 250));
    const jobs = new Set(where.map((w) => w.jobId));
    expect(jobs.size).toBe(2);
    for (const job of jobs) {
      const workers = new Set(where.filter((w) => w.jobId === job).map((w) => w.worker));
      expect(workers.size).toBe(2);
    }
    await setPlan(sequential());
    await expectNoChildLeft();
  }, 120_000);

  it("a script that maps and never calls close() exits, and its children are terminated after it", async () => {
    const script = fileURLToPath(new URL("./fixtures/maps-without-close.mjs", import.meta.url));
    const terminatedBefore = standIn.endpoint.control.calls().filter((call) => call.operation === "TerminateJob").length;
    const child = spawn(process.execPath, [script], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, PARAZARR_TEST_BATCH_OPTIONS: JSON.stringify(standIn.options({ workers: 2 })) },
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([0, 1, 4, 9, 16, 25, 36, 49]);
    await expectNoChildLeft(20_000);
    const terminated = standIn.endpoint.control.calls().filter((call) => call.operation === "TerminateJob").slice(terminatedBefore);
    expect(terminated.map((call) => (call.request as { reason: string }).reason)).toEqual(["the parazarr caller exited without closing its plan"]);
  }, 120_000);

  it("a script whose child leaves idle between maps waits for each replacement and gets every result", async () => {
    // Each map's child stops after idleTimeoutMs; the next map must submit a
    // new one and keep the process alive until it answers. (Before, nothing
    // held the event loop while replacements started, and Node ended the
    // script with exit code 13, an unsettled top-level await; and children
    // that left idle used up the replacement bound, 3 × workers, as if lost.)
    const rounds = 5;
    const script = fileURLToPath(new URL("./fixtures/maps-without-close.mjs", import.meta.url));
    const submitsBefore = calls("SubmitJob").length;
    const child = spawn(process.execPath, [script], {
      stdio: ["ignore", "pipe", "inherit"],
      env: {
        ...process.env,
        PARAZARR_TEST_BATCH_OPTIONS: JSON.stringify(standIn.options({ workers: 1, idleTimeoutMs: 1_000 })),
        PARAZARR_TEST_ROUNDS: String(rounds),
        PARAZARR_TEST_PAUSE_MS: "3000",
      },
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("exit", done));
    expect(stdout.trim().split("\n").map((line) => JSON.parse(line))).toEqual(Array.from({ length: rounds }, () => [0, 1, 4, 9, 16, 25, 36, 49]));
    expect(code).toBe(0);
    // Maps ran on children submitted for them, the ones before having left:
    // more in all than the old bound (3 × 1 worker) allowed. (Not exactly one
    // per round: a child may outlast a pause on a loaded machine, or leave
    // just as a batch reaches it, which then goes to a replacement.)
    expect(calls("SubmitJob").length - submitsBefore).toBeGreaterThan(3);
    await expectNoChildLeft(20_000);
  }, 120_000);
});
