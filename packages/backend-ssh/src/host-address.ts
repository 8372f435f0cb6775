import { userInfo } from "node:os";
import { PlanError } from "@parazarr/core/backend";

/** One host of the plan, as `user@host:port` names it. */
export interface HostAddress {
  readonly username: string;
  readonly host: string;
  readonly port: number;
  /** How errors and worker names show the host: the string the user gave. */
  readonly label: string;
}

// user@host, user@host:port, host:port, [v6::addr]:port
const ADDRESS = /^(?:([^@\s]+)@)?(?:\[([^\]\s]+)\]|([^:@\s[\]]+))(?::(\d{1,5}))?$/;

/**
 * A host string as a message may show it: the password of `user:password@host`
 * cut out. The user info runs to the last "@", since a password may hold one.
 */
export function shownHostString(text: string): string {
  const at = text.lastIndexOf("@");
  const colon = text.slice(0, Math.max(at, 0)).indexOf(":");
  return at < 0 || colon < 0 ? text : `${text.slice(0, colon)}:[redacted]${text.slice(at)}`;
}

/**
 * Parses `user@host:port` (user defaults to the local user, port to 22).
 *
 * `user:password@host` is refused rather than redacted: the string is the
 * host's label, shown in String(plan), worker names, task errors, warnings
 * and every SshHostError, so a password in it would have to be cut out of
 * each of them, forever; no user name holds ":" (passwd(5) separates fields
 * with it), so the refusal never hits a real user; and ssh() never sends
 * passwords anyway: it authenticates with a key or an agent.
 */
export function parseHostAddress(text: unknown, index: number): HostAddress {
  const shown = typeof text === "string" ? shownHostString(text) : text;
  if (typeof text === "string" && shown !== text) {
    throw new PlanError(
      `ssh(options): hosts[${index}] ${JSON.stringify(shown)} holds a password; ssh() never sends passwords ` +
        "(it would show in the plan's description, worker names and messages): give privateKey or use an SSH agent",
      "hosts",
      shown,
    );
  }
  const match = typeof text === "string" ? ADDRESS.exec(text) : null;
  const port = Number(match?.[4] ?? 22);
  const host = match?.[2] ?? match?.[3];
  if (match === null || host === undefined || port < 1 || port > 65_535) {
    throw new PlanError(
      `ssh(options): hosts[${index}] must look like "user@host:port" (user and port optional), got ${JSON.stringify(shown)}`,
      "hosts",
      shown,
    );
  }
  return { username: match[1] ?? userInfo().username, host, port, label: text as string };
}
