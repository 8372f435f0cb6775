import { sequential } from "@parazarr/core";
import { describeBackend } from "@parazarr/core/conformance";

describeBackend("sequential()", () => sequential());
