/**
 * Reading squeue: the files are real `squeue --json` and `squeue -h -o`
 * output of Slurm 22.05.8 for a 4-task array job (two running, two
 * pending, which squeue shows as one "2-3" record), captured from the
 * loopback cluster of test/fixtures/slurm.mjs.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expandRange, parseSqueueJson, parseSqueueText } from "../src/squeue.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const byIndex = <T extends { index: number }>(tasks: T[]): T[] => [...tasks].sort((a, b) => a.index - b.index);

describe("squeue output", () => {
  it("--json before any task started: every task PENDING", () => {
    const tasks = parseSqueueJson(fixture("squeue-pending.json"), "1");
    expect(byIndex(tasks).map((t) => [t.index, t.state])).toEqual([[0, "PENDING"], [1, "PENDING"], [2, "PENDING"], [3, "PENDING"]]);
  });

  it("--json with two tasks running: their own records, and the pending rest expanded with Slurm's reason", () => {
    const tasks = byIndex(parseSqueueJson(fixture("squeue-running.json"), "1"));
    expect(tasks).toEqual([
      { index: 0, state: "RUNNING", reason: "None" },
      { index: 1, state: "RUNNING", reason: "None" },
      { index: 2, state: "PENDING", reason: "Resources" },
      { index: 3, state: "PENDING", reason: "Resources" },
    ]);
  });

  it("another job's records are not this job's", () => {
    expect(parseSqueueJson(fixture("squeue-running.json"), "7")).toEqual([]);
  });

  it("job_state as a list (Slurm ≥ 23.02) and array ids as numbers with flags", () => {
    const text = JSON.stringify({ jobs: [{ job_id: 9, array_job_id: { number: 8, set: true }, array_task_id: { number: 1, set: true }, job_state: ["OUT_OF_MEMORY"], state_reason: "OutOfMemory" }] });
    expect(parseSqueueJson(text, "8")).toEqual([{ index: 1, state: "OUT_OF_MEMORY", reason: "OutOfMemory" }]);
  });

  it("the text fallback gives the same tasks", () => {
    expect(byIndex(parseSqueueText(fixture("squeue-running.txt"), "1"))).toEqual(byIndex(parseSqueueJson(fixture("squeue-running.json"), "1")));
  });

  it("ranges with steps' and throttles' syntax", () => {
    expect(expandRange("0-3,7,9-10%2")).toEqual([0, 1, 2, 3, 7, 9, 10]);
  });
});
