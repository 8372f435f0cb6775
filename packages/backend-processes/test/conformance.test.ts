import { processes } from "@parazarr/backend-processes";
import { describeBackend } from "@parazarr/core/conformance";

describeBackend("processes(2)", () => processes(2));
