/** The task agent's bundle (agent/main.ts with the remote agent runtime inside it), once per process. */
import { fileURLToPath } from "node:url";
import { bundleEntry, type Bundle } from "@parazarr/remote";

export const bundleAgent = (): Promise<Bundle> => bundleEntry(fileURLToPath(new URL("./agent/main.js", import.meta.url)), "agent.mjs");
