/**
 * The state of one array job's tasks, from `squeue`. `sacct` needs a Slurm
 * database that many clusters restrict, so squeue is all we read: it shows
 * a job until a little after it ends (MinJobAge), which is enough to see a
 * task leave RUNNING and why.
 *
 * `squeue --json` (Slurm ≥ 21.08) is read first; where it is refused
 * (older Slurm, a build without the JSON plugin), `squeue -h -r -o` lines.
 * Pending tasks of an array are one record ("0-3" in array_task_string,
 * `123_[0-3]` in text) until they start; both are expanded per task.
 * job_state is a string in Slurm 22.05 and a list (["PENDING"]) from 23.02.
 */
import type { RunCommand } from "./commands.js";

export interface TaskState {
  readonly index: number;
  /** RUNNING, PENDING, COMPLETING, FAILED, TIMEOUT, NODE_FAIL, PREEMPTED, OUT_OF_MEMORY, CANCELLED… */
  readonly state: string;
  /** Slurm's reason ("Resources", "Priority", "None"). */
  readonly reason: string;
}

/** States in which a task still is, or will be, a worker. */
export const LIVE_STATES = new Set(["PENDING", "CONFIGURING", "RUNNING", "RESIZING", "REQUEUED", "SUSPENDED"]);

interface JsonJob {
  job_id?: number;
  array_job_id?: number | { number?: number };
  array_task_id?: number | { number?: number; set?: boolean };
  array_task_string?: string;
  job_state?: string | string[];
  state_reason?: string;
}

export function parseSqueueJson(text: string, jobId: string): TaskState[] {
  const parsed = JSON.parse(text) as { jobs?: JsonJob[] };
  const tasks: TaskState[] = [];
  for (const job of parsed.jobs ?? []) {
    const arrayJobId = numberOf(job.array_job_id);
    if (String(arrayJobId ?? job.job_id) !== jobId && String(job.job_id) !== jobId) continue;
    const state = (Array.isArray(job.job_state) ? job.job_state[0] : job.job_state) ?? "UNKNOWN";
    const reason = job.state_reason ?? "None";
    const taskId = job.array_task_id;
    const index = typeof taskId === "object" && taskId?.set === false ? undefined : numberOf(taskId);
    const indices = index !== undefined ? [index] : expandRange(job.array_task_string ?? "");
    for (const i of indices) tasks.push({ index: i, state, reason });
  }
  return tasks;
}

/** Lines of `squeue -h -r -o "%i|%T|%r"`: `123_4|RUNNING|None`, `123_[0-3]|PENDING|Resources`. */
export function parseSqueueText(text: string, jobId: string): TaskState[] {
  const tasks: TaskState[] = [];
  for (const line of text.split("\n")) {
    const [id, state, reason] = line.trim().split("|");
    if (id === undefined || state === undefined || !id.startsWith(`${jobId}_`)) continue;
    const spec = id.slice(jobId.length + 1).replace(/^\[|\]$/g, "").replace(/%\d+$/, "");
    for (const index of expandRange(spec)) tasks.push({ index, state, reason: reason ?? "None" });
  }
  return tasks;
}

/** "0-3,7,9-10" → [0, 1, 2, 3, 7, 9, 10] (a throttle suffix "%2" is dropped). */
export function expandRange(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/%\d+$/, "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?(?::\d+)?$/.exec(part.trim());
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "object" && value !== null && typeof (value as { number?: unknown }).number === "number") return (value as { number: number }).number;
  return undefined;
}

/** Reads squeue for one job; remembers whether this Slurm takes --json. */
export class SqueueReader {
  #json = true;

  constructor(private readonly run: RunCommand) {}

  async tasks(jobId: string): Promise<TaskState[]> {
    if (this.#json) {
      const result = await this.run("squeue", ["--json", "--jobs", jobId]);
      if (result.code === 0) {
        try {
          return parseSqueueJson(result.stdout, jobId);
        } catch {
          // not JSON after all: fall through to the text format
        }
      }
      if (gone(result.stderr)) return [];
      if (result.code !== 0 && !/json|unrecognized|invalid option|not supported/i.test(result.stderr)) throw new Error(`squeue: ${result.stderr.trim()}`);
      this.#json = false;
    }
    const result = await this.run("squeue", ["-h", "-r", "--jobs", jobId, "-o", "%i|%T|%r"]);
    if (result.code !== 0) {
      if (gone(result.stderr)) return [];
      throw new Error(`squeue: ${result.stderr.trim()}`);
    }
    return parseSqueueText(result.stdout, jobId);
  }
}

/** squeue's answer for a job it no longer shows. */
const gone = (stderr: string) => /Invalid job id/i.test(stderr);
