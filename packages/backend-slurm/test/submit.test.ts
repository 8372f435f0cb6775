/**
 * sbatch's transient refusals are waited out; others are reported with
 * Slurm's message. A stand-in `sbatch` (a shell script first on PATH)
 * refuses as real sbatch does, then accepts.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandRunner, submitJob } from "../src/commands.js";
import { isSlurmSubmitError } from "../src/errors.js";

function fakeSbatch(refusals: number, message: string): { env: Record<string, string>; calls: () => number } {
  const dir = mkdtempSync(join(tmpdir(), "fake-sbatch-"));
  const count = join(dir, "count");
  writeFileSync(count, "0");
  writeFileSync(
    join(dir, "sbatch"),
    `#!/bin/sh\nn=$(cat ${count}); n=$((n+1)); echo $n > ${count}\nif [ $n -le ${refusals} ]; then echo "sbatch: error: ${message}" >&2; exit 1; fi\necho "4242;cluster"\n`,
  );
  chmodSync(join(dir, "sbatch"), 0o755);
  return { env: { PATH: `${dir}:${process.env.PATH}` }, calls: () => Number(readFileSync(count, "utf8")) };
}

describe("sbatch submission", () => {
  it("'Submission rate too high' is retried with backoff until sbatch takes the job", async () => {
    const sbatch = fakeSbatch(2, "Batch job submission failed: Submission rate too high, suggest using job arrays");
    expect(await submitJob(commandRunner(sbatch.env), ["job.sh"], { attempts: 5, firstDelayMs: 10 })).toBe("4242");
    expect(sbatch.calls()).toBe(3);
  });

  it("a socket timeout that outlasts every attempt is reported with Slurm's message", async () => {
    const sbatch = fakeSbatch(99, "Batch job submission failed: Socket timed out on send/recv operation");
    const error = await submitJob(commandRunner(sbatch.env), ["job.sh"], { attempts: 3, firstDelayMs: 10 }).catch((e: unknown) => e);
    expect(isSlurmSubmitError(error)).toBe(true);
    expect((error as Error).message).toMatch(/after 3 attempts.*Socket timed out/);
    expect(sbatch.calls()).toBe(3);
  });

  it("an invalid account is reported at once, not retried", async () => {
    const sbatch = fakeSbatch(99, "Batch job submission failed: Invalid account or account/partition combination specified");
    const error = await submitJob(commandRunner(sbatch.env), ["job.sh"], { attempts: 5, firstDelayMs: 10 }).catch((e: unknown) => e);
    expect(isSlurmSubmitError(error)).toBe(true);
    expect((error as Error).message).toContain("Invalid account or account/partition combination specified");
    expect(sbatch.calls()).toBe(1);
  });
});
