/**
 * The job definition the children run. Named by the user (`"name"`,
 * `"name:rev"`, an ARN), or registered from a spec under
 * `parazarr-<hash of the definition>`: the hash covers everything that
 * goes into it (image, resources, role, timeout, environment, and the
 * bootstrap command), so an unchanged definition is found by
 * DescribeJobDefinitions and reused, never registered again per run, and a
 * changed one is a new name, never a new revision under an old one.
 *
 * A named definition is used as it is, with the bootstrap as its command
 * override (its own command is not ours to know).
 */
import { createHash } from "node:crypto";
import type { BatchClient, RegisterJobDefinitionCommandInput } from "@aws-sdk/client-batch";
import { bootstrapCommand } from "./bootstrap/bootstrap.js";
import type { ResolvedOptions } from "./options.js";
import { outlastThrottling } from "./throttle.js";

type BatchSdk = typeof import("@aws-sdk/client-batch");
type DefinitionSpec = Exclude<ResolvedOptions["jobDefinition"], string>;

export interface UsedDefinition {
  /** What SubmitJob names: `name:revision` or the user's text. */
  readonly jobDefinition: string;
  /** The command override the children need (a named definition's own command is not the bootstrap). */
  readonly command: readonly string[] | undefined;
  /** Whether this start registered it. */
  readonly registered: boolean;
}

/** The registration request for a spec; its name is the hash of everything else in it. */
export function definitionRequest(spec: DefinitionSpec, command: readonly string[]): RegisterJobDefinitionCommandInput & { jobDefinitionName: string } {
  const body = {
    type: "container" as const,
    containerProperties: {
      image: spec.image,
      command: [...command],
      resourceRequirements: [
        { type: "VCPU" as const, value: String(spec.vcpus) },
        { type: "MEMORY" as const, value: String(spec.memory) },
      ],
      ...(spec.jobRoleArn !== undefined && { jobRoleArn: spec.jobRoleArn }),
      ...(spec.environment !== undefined && {
        environment: Object.entries(spec.environment)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, value]) => ({ name, value })),
      }),
    },
    ...(spec.timeout !== undefined && { timeout: { attemptDurationSeconds: spec.timeout } }),
  };
  const hash = createHash("sha256").update(JSON.stringify(body)).digest("hex").slice(0, 16);
  return { jobDefinitionName: `parazarr-${hash}`, ...body };
}

export async function useJobDefinition(sdk: BatchSdk, client: BatchClient, option: ResolvedOptions["jobDefinition"]): Promise<UsedDefinition> {
  const command = await bootstrapCommand();
  if (typeof option === "string") return { jobDefinition: option, command, registered: false };
  const request = definitionRequest(option, command);
  const found = await outlastThrottling(() => client.send(new sdk.DescribeJobDefinitionsCommand({ jobDefinitionName: request.jobDefinitionName, status: "ACTIVE" })));
  const revisions = (found.jobDefinitions ?? [])
    .filter((d) => d.jobDefinitionName === request.jobDefinitionName && d.status === "ACTIVE")
    .map((d) => d.revision ?? 0);
  if (revisions.length > 0) {
    return { jobDefinition: `${request.jobDefinitionName}:${Math.max(...revisions)}`, command: undefined, registered: false };
  }
  const registered = await outlastThrottling(() => client.send(new sdk.RegisterJobDefinitionCommand(request)));
  return { jobDefinition: `${request.jobDefinitionName}:${registered.revision ?? 1}`, command: undefined, registered: true };
}
