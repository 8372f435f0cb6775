import { afterAll } from "vitest";
import { ssh } from "@parazarr/backend-ssh";
import { describeBackend } from "@parazarr/core/conformance";
import { sshOptions, startSshServers } from "./fixtures/servers.js";

// Three real sshd on loopback ports: three hosts.
const servers = await startSshServers(3);
afterAll(() => servers.stop());

describeBackend("ssh(3 loopback hosts)", () => ssh(sshOptions(servers)));
