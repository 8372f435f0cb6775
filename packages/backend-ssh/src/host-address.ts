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

/** Parses `user@host:port` (user defaults to the local user, port to 22). */
export function parseHostAddress(text: unknown, index: number): HostAddress {
  const match = typeof text === "string" ? ADDRESS.exec(text) : null;
  const port = Number(match?.[4] ?? 22);
  const host = match?.[2] ?? match?.[3];
  if (match === null || host === undefined || port < 1 || port > 65_535) {
    throw new PlanError(
      `ssh(options): hosts[${index}] must look like "user@host:port" (user and port optional), got ${JSON.stringify(text)}`,
      "hosts",
      text,
    );
  }
  return { username: match[1] ?? userInfo().username, host, port, label: text as string };
}
