import { tmpdir } from "node:os";
import { afterAll } from "vitest";
import { describeBackend } from "@parazarr/core/conformance";
import { startStandInProcess } from "./fixtures/stand-in.js";

// The Batch stand-in and s3rver (in a process of their own: the lifecycle
// cases count this process's handles), where the Zarr cases keep their arrays.
// The children are local processes: the caller's temp directory is truly
// theirs too (as an EFS mount would be), so the cases that use files there
// run, declared as on a real deployment with sharedFilesystem.
const standIn = await startStandInProcess();
afterAll(() => standIn.stop());

describeBackend("batch(2 children on the Batch stand-in)", () => standIn.plan({ workers: 2, runnableTimeoutMs: 20_000, sharedFilesystem: [tmpdir()] }), {
  zarrStore: async () => standIn.dataUrl("conformance"),
});
