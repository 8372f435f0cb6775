import { tmpdir } from "node:os";
import { afterAll } from "vitest";
import { describeBackend } from "@parazarr/core/conformance";
import { startStandIn } from "./fixtures/stand-in.js";

// The Batch stand-in and s3rver, where the Zarr cases keep their arrays.
// The children are local processes: the caller's temp directory is truly
// theirs too (as an EFS mount would be), so the cases that use files there
// run, declared as on a real deployment with sharedFilesystem.
const standIn = await startStandIn();
afterAll(() => standIn.stop());

describeBackend("batch(2 children on the Batch stand-in)", () => standIn.plan({ workers: 2, runnableTimeoutMs: 20_000, sharedFilesystem: [tmpdir()] }), {
  zarrStore: async () => standIn.dataUrl("conformance"),
});
