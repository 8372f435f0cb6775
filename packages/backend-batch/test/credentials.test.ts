/**
 * The caller's credentials never leave the caller: with a canary secret in
 * its environment, a run (maps, a failing task) leaves it in no request the
 * Batch endpoint received, no object under staging (run.json, code,
 * messages, logs), no child's log and no error; the children see only
 * pointers and their job role.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { map, setPlan, sequential } from "@parazarr/core";
import { environmentNames, failsSaying, slowSquare } from "./fixtures/tasks.js";
import { startStandIn, type StandIn } from "./fixtures/stand-in.js";

const canary = `canary${randomBytes(10).toString("hex")}`;
let standIn: StandIn;

beforeAll(async () => {
  // s3rver checks access key ids, not secrets: any secret signs "correctly" for it.
  standIn = await startStandIn({}, { callerEnv: { AWS_SECRET_ACCESS_KEY: canary } });
});

afterAll(async () => {
  await setPlan(sequential());
  await standIn?.stop();
});

const vanished = (error: unknown) => (error as { code?: string }).code === "ENOENT";

/**
 * Every file under `dir` as it is now. While the run is live the plan
 * deletes each message it has consumed, so a folder or a file may go
 * between listing and reading it: such a one is skipped (it is no longer
 * there to hold anything), as a snapshot would not have it either.
 */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
    if (vanished(error)) return [];
    throw error;
  });
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function objectsHolding(text: string): Promise<string[]> {
  const holding: string[] = [];
  for (const file of await filesUnder(standIn.s3.directory)) {
    const bytes = await readFile(file).catch((error: unknown) => {
      if (vanished(error)) return undefined;
      throw error;
    });
    if (bytes?.includes(text)) holding.push(file);
  }
  return holding;
}

describe("a canary secret in the caller's environment", () => {
  it("appears in no Batch request, no staging object, no child log, no error, and no child's environment", async () => {
    expect(process.env.AWS_SECRET_ACCESS_KEY).toBe(canary);
    await setPlan(standIn.plan({ workers: 2 }));
    expect(await map(slowSquare, [{ x: 2, ms: 1 }, { x: 3, ms: 1 }])).toEqual([4, 9]);
    const seen = await map(environmentNames, [canary, canary]);
    const failure = await map(failsSaying, ["on purpose"]).then(() => undefined, (e: unknown) => e as Error);
    expect(failure?.message).toContain("this task failed: on purpose");

    // While the run is live: run.json, code and messages are in staging.
    const stagingFiles = await filesUnder(standIn.s3.directory);
    expect(stagingFiles.some((f) => f.includes("run.json"))).toBe(true);
    expect(await objectsHolding(canary)).toEqual([]);
    await setPlan(sequential());

    for (const child of seen) {
      expect(child.holding).toEqual([]);
      expect(child.names).not.toContain("AWS_SECRET_ACCESS_KEY");
      expect(child.names).toContain("PARAZARR_RUN");
      expect(child.names).toContain("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    const requests = standIn.endpoint.control.calls().map((call) => JSON.stringify(call.request));
    expect(requests.length).toBeGreaterThan(3);
    expect(requests.filter((body) => body.includes(canary))).toEqual([]);
    const childIds = standIn.endpoint.control
      .calls()
      .filter((call) => call.operation === "SubmitJob" && call.status === 200)
      .flatMap((call) => [0, 1].map((i) => `${(call.response as { jobId: string }).jobId}:${i}`));
    for (const id of childIds) {
      for (const log of standIn.endpoint.control.logs(id)) expect(log.output).not.toContain(canary);
    }
    // After close: the logs stay, the rest is deleted.
    expect(await objectsHolding(canary)).toEqual([]);
    expect(JSON.stringify(failure) + String(failure?.stack) + String((failure?.cause as Error | undefined)?.stack)).not.toContain(canary);
  }, 180_000);
});
