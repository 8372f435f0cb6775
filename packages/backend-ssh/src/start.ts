/**
 * Starting an ssh plan: every host in parallel, each failure kept with its
 * host's name. The plan goes on with the hosts that started (saying which
 * did not) unless `requireAllHosts` is set; with none, it fails listing
 * every host and why.
 */
import type { Backend } from "@parazarr/core/backend";
import { TaskBundler } from "@parazarr/remote";
import { SshHostError, SshHostsUnavailableError, isSshHostError } from "./errors.js";
import { readKnownHosts } from "./host-key.js";
import { openHost, type Host, type StartContext } from "./host.js";
import type { ResolvedOptions } from "./options.js";
import { loadPrivateKey } from "./private-key.js";
import { SshBackend } from "./ssh-backend.js";

export async function startSsh(options: ResolvedOptions): Promise<Backend> {
  // ssh2 is imported on first use: creating a plan (or installing core) costs nothing.
  const ssh2 = (await import("ssh2")).default;
  const context: StartContext = {
    ssh2,
    options,
    key: await loadPrivateKey(options, ssh2),
    knownHostsText: options.verifyHostKeys ? await readKnownHosts(options) : "",
    bundler: new TaskBundler(),
  };
  if (!options.verifyHostKeys) {
    process.emitWarning(
      `ssh: host key verification is OFF (verifyHostKeys: false) for ${options.hosts.map((h) => h.label).join(", ")}: ` +
        "anyone on the network path can impersonate these hosts",
      { code: "PARAZARR_SSH_HOST_KEY_UNVERIFIED" },
    );
  }
  const settled = await Promise.allSettled(options.hosts.map((address) => openHost(address, context)));
  const hosts: Host[] = [];
  const failures: SshHostError[] = [];
  settled.forEach((result, i) => {
    if (result.status === "fulfilled") hosts.push(result.value);
    else failures.push(asHostError(result.reason, options.hosts[i]?.label ?? `hosts[${i}]`));
  });
  if (hosts.length === 0 || (options.requireAllHosts && failures.length > 0)) {
    await Promise.all(hosts.map((host) => host.close()));
    throw new SshHostsUnavailableError(failures, options.hosts.length, hosts.length > 0);
  }
  for (const failure of failures) {
    process.emitWarning(`${failure.message}. Going on with ${hosts.length} of ${options.hosts.length} hosts`, {
      code: "PARAZARR_SSH_HOST_UNAVAILABLE",
    });
  }
  return new SshBackend(hosts, failures.map((f) => ({ host: f.host, reason: `could not be started: ${f.message}` })));
}

function asHostError(error: unknown, label: string): SshHostError {
  if (isSshHostError(error)) return error;
  return new SshHostError(label, "connect", (error as Error)?.message ?? String(error), undefined, { cause: error });
}
