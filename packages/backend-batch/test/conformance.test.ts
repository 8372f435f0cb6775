import { afterAll } from "vitest";
import { describeBackend } from "@parazarr/core/conformance";
import { startStandIn } from "./fixtures/stand-in.js";

// The Batch stand-in (children are local processes, so the suite's temp
// files are visible to them) and s3rver, where the Zarr cases keep their arrays.
const standIn = await startStandIn();
afterAll(() => standIn.stop());

describeBackend("batch(2 children on the Batch stand-in)", () => standIn.plan({ workers: 2, runnableTimeoutMs: 20_000 }), {
  zarrStore: async () => standIn.dataUrl("conformance"),
});
