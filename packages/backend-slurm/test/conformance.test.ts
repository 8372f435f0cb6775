import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll } from "vitest";
import { slurm } from "@parazarr/backend-slurm";
import { describeBackend } from "@parazarr/core/conformance";
import { slurmOptions, startCluster } from "./fixtures/cluster.js";

// A real one-node Slurm on loopback (munged, slurmctld, slurmd): two array tasks, one thread each.
const cluster = await startCluster();
afterAll(() => cluster.stop());

const zarrRoot = join(cluster.dir, "parazarr", "zarr");
mkdirSync(zarrRoot, { recursive: true });
describeBackend("slurm(debug, 2 workers)", () => slurm(slurmOptions(cluster)), { zarrStore: async () => `file://${zarrRoot}` });
