/**
 * `--plan slurm:partition=compute,workers=64[,stagingDir=/scratch/me/parazarr][,cpus=4][,memory=4G][,time=01:00:00][,account=A][,qos=Q][,node=PATH][,listen=HOST:PORT][,pendingTimeout=SECONDS][,shared=/data]`:
 * core's plan-string convention (planFromString). `setup` lines do not fit
 * a plan string: load modules in the shell that runs parazarr (sbatch
 * passes its environment, PATH included, to the tasks), or name `node=`.
 */
import { PlanError, planArgs, planCount, type Plan } from "@parazarr/core/backend";
import { defaultStagingDir, type SlurmOptions } from "./options.js";
import { slurm } from "./slurm.js";

const KNOWN = ["partition", "workers", "stagingDir", "cpus", "memory", "time", "account", "qos", "node", "listen", "pendingTimeout", "shared"] as const;

export function fromPlanString(args: string): Plan {
  const where = `slurm:${args}`;
  const { values, named } = planArgs("slurm", args, KNOWN);
  if (values.length > 0) throw new PlanError(`plan "${where}": every argument is key=value (${KNOWN.join(", ")}), got ${JSON.stringify(values[0])}`, "plan", args);
  const need = (key: string) => {
    const value = named.get(key);
    if (value === undefined) throw new PlanError(`plan "${where}": give ${key}= ("slurm:partition=compute,workers=64")`, key, args);
    return value;
  };
  const options: { -readonly [K in keyof SlurmOptions]: SlurmOptions[K] } = {
    partition: need("partition"),
    workers: planCount(where, "workers", need("workers")),
  };
  const staging = named.get("stagingDir");
  if (staging !== undefined) options.stagingDir = staging;
  const cpus = named.get("cpus");
  if (cpus !== undefined) options.cpusPerWorker = planCount(where, "cpus", cpus);
  const pending = named.get("pendingTimeout");
  if (pending !== undefined) options.pendingTimeoutMs = planCount(where, "pendingTimeout", pending) * 1000;
  const shared = named.get("shared");
  // The staging directory is shared by definition; `shared=` adds one more path (where the archive lives).
  if (shared !== undefined) options.sharedFilesystem = [options.stagingDir ?? defaultStagingDir(), shared];
  for (const key of ["memory", "time", "account", "qos", "node", "listen"] as const) {
    const value = named.get(key);
    if (value !== undefined) options[key] = value;
  }
  return slurm(options);
}
