/**
 * One started plan's directory on the shared filesystem,
 * `<stagingDir>/runs/<run id>/`: what its tasks read to find and prove
 * themselves to the coordinator, and where they write their output.
 *
 * The channel's secret is in `secret`, mode 0600 in a 0700 directory: the
 * job's script and environment name only the directory, so the secret is
 * never in `scontrol show job`, `squeue`, the script Slurm keeps, or a log.
 * The tasks run as the submitting user, who alone can read it. Removed
 * when the plan closes (and when its process exits).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface RunConfig {
  /** Where the coordinator listens, as the tasks reach it. */
  readonly host: string;
  readonly port: number;
  /** Worker threads each task's agent runs. */
  readonly threads: number;
  readonly resourceLimits?: import("node:worker_threads").ResourceLimits | undefined;
}

export const SECRET_FILE = "secret";
export const CONFIG_FILE = "config.json";

export class RunDir {
  readonly path: string;
  readonly secret: Buffer;

  constructor(stagingDir: string) {
    const id = `${new Date().toISOString().replace(/[:.]/g, "").slice(0, 15)}-${process.pid}-${randomBytes(4).toString("hex")}`;
    this.path = join(stagingDir, "runs", id);
    this.secret = randomBytes(32);
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.path, SECRET_FILE), this.secret, { mode: 0o600 });
  }

  writeConfig(config: RunConfig): void {
    writeFileSync(join(this.path, CONFIG_FILE), JSON.stringify(config), { mode: 0o600 });
  }

  /** Slurm's `--output` pattern: one file per array task. */
  get outputPattern(): string {
    return join(this.path, "task-%a.out");
  }

  /** The last lines a task wrote (its stdout and stderr), for an error. */
  async outputTail(index: number, lines = 10): Promise<string> {
    try {
      const text = await readFile(join(this.path, `task-${index}.out`), "utf8");
      return text.trimEnd().split("\n").slice(-lines).join(" | ");
    } catch {
      return "";
    }
  }

  /** The secret goes (no task may join any more); the output stays for the user to read. */
  removeSecret(): void {
    rmSync(join(this.path, SECRET_FILE), { force: true });
  }
}
