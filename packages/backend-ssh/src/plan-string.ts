/**
 * `--plan ssh:user@h1,user@h2:2222[,workers=4][,key=PATH][,known-hosts=PATH][,shared=/mnt/data]`:
 * core's plan-string convention (planFromString). Values are hosts; key=value
 * pairs are options. Secrets never appear in a plan string: keys come from
 * the SSH agent (SSH_AUTH_SOCK), else from `key=PATH`, else from the first of
 * the default key files (~/.ssh/id_ed25519, id_ecdsa, id_rsa) that exists,
 * as `ssh` would. Host keys are checked against ~/.ssh/known_hosts (or
 * `known-hosts=PATH`).
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { PlanError, planArgs, planCount, type Plan } from "@parazarr/core/backend";
import type { SshOptions } from "./options.js";
import { ssh } from "./ssh.js";

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

export function fromPlanString(args: string): Plan {
  const where = `ssh:${args}`;
  const { values: hosts, named } = planArgs("ssh", args, ["workers", "key", "known-hosts", "shared"]);
  if (hosts.length === 0) throw new PlanError(`plan "${where}": name at least one host ("ssh:user@h1,user@h2")`, "hosts", args);
  const options: { -readonly [K in keyof SshOptions]: SshOptions[K] } = { hosts };
  const workers = named.get("workers");
  if (workers !== undefined) options.workersPerHost = planCount(where, "workers", workers);
  const key = named.get("key") ?? (process.env.SSH_AUTH_SOCK ? undefined : defaultKey());
  if (key !== undefined) options.privateKey = key;
  const knownHosts = named.get("known-hosts");
  if (knownHosts !== undefined) options.knownHosts = knownHosts;
  const shared = named.get("shared");
  if (shared !== undefined) options.sharedFilesystem = [shared];
  return ssh(options);
}

function defaultKey(): string | undefined {
  return DEFAULT_KEYS.map((name) => join(homedir(), ".ssh", name)).find((path) => existsSync(path));
}
