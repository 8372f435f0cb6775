import { threads } from "@parazarr/backend-threads";
import { describeBackend } from "@parazarr/core/conformance";

describeBackend("threads(2)", () => threads(2));
