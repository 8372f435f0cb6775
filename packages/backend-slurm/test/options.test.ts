/** slurm()'s options and plan string: how the plan prints, and refusals that name the option. */
import { describe, expect, it } from "vitest";
import { fromPlanString, slurm } from "@parazarr/backend-slurm";
import { isPlanError, planFromString } from "@parazarr/core";
import { threads } from "@parazarr/backend-threads";

const base = { partition: "debug", workers: 4, stagingDir: "/shared/parazarr" };

describe("slurm options", () => {
  it("prints its partition and workers", () => {
    expect(String(slurm(base))).toBe("slurm(debug, 4 workers)");
  });

  it("--plan slurm:… names the same plan, found by core's plan-string convention", async () => {
    expect(String(await planFromString("slurm:partition=debug,workers=4,stagingDir=/shared/parazarr"))).toBe("slurm(debug, 4 workers)");
    expect(String(fromPlanString("partition=compute,workers=64,stagingDir=/x,cpus=2,memory=4G,time=01:00:00"))).toBe("slurm(compute, 64 workers, 2 threads each)");
  });

  it("a stack runs the inner threads in each task", async () => {
    const { setPlan, getPlan, sequential } = await import("@parazarr/core");
    await setPlan([slurm(base), threads(2)]);
    expect(String(getPlan())).toMatch(/slurm\(debug, 4 workers\)/);
    await setPlan(sequential());
  });

  it.each([
    [{ ...base, partition: "de bug" }, "partition"],
    [{ ...base, workers: 0 }, "workers"],
    [{ ...base, stagingDir: "relative/dir" }, "stagingDir"],
    [{ ...base, memory: "lots" }, "memory"],
    [{ ...base, listen: "nowhere" }, "listen"],
    [{ ...base, setup: ["module load a\nrm -rf /"] }, "setup"],
    [{ ...base, colour: "red" }, "colour"],
  ])("refuses %j, naming %s", (options, option) => {
    let error: unknown;
    try {
      slurm(options as never);
    } catch (e) {
      error = e;
    }
    expect(isPlanError(error)).toBe(true);
    expect((error as { option: string }).option).toBe(option);
    expect((error as Error).message).toContain(option);
  });

  it("shared= adds a path where file:// stores may live, beside the staging directory", () => {
    const plan = fromPlanString("partition=debug,workers=2,stagingDir=/scratch/stage,shared=/lustre/archive");
    expect(plan.capabilities.sharedFilesystem).toEqual(["/scratch/stage", "/lustre/archive"]);
    expect(slurm(base).capabilities.sharedFilesystem).toEqual(["/shared/parazarr"]);
  });

  it("a plan string without stagingDir stages under ~/.parazarr/slurm (home is shared on most clusters); without workers it says what to give", async () => {
    const { homedir } = await import("node:os");
    const { resolveOptions } = await import("../dist/options.js");
    expect(String(fromPlanString("partition=compute,workers=64"))).toBe("slurm(compute, 64 workers)");
    expect(resolveOptions({ partition: "compute", workers: 64 }).stagingDir).toBe(`${homedir()}/.parazarr/slurm`);
    expect(resolveOptions({ partition: "compute", workers: 64 }).sharedFilesystem).toEqual([`${homedir()}/.parazarr/slurm`]);
    expect(() => fromPlanString("partition=debug")).toThrow(/give workers=/);
  });
});

describe("where the coordinator listens", () => {
  it("without `listen`, only on the address this machine's name resolves to (never every interface); else where it is told", async () => {
    const { lookup } = await import("node:dns/promises");
    const { hostname } = await import("node:os");
    const { resolveOptions } = await import("../dist/options.js");
    const { listenAddress } = await import("../dist/start.js");
    const unsaid = await listenAddress(resolveOptions(base));
    expect(unsaid).toBe((await lookup(hostname())).address);
    expect(unsaid).not.toBe("0.0.0.0");
    expect(await listenAddress(resolveOptions({ ...base, listen: "127.0.0.1:0" }))).toBe("127.0.0.1");
    expect(await listenAddress(resolveOptions({ ...base, listen: "0.0.0.0:7000" }))).toBe("0.0.0.0");
  });
});
