/**
 * Loads the private key once per start: either the key itself or a path to
 * it. Only the path ever appears in messages — never the key or the
 * passphrase.
 */
import { readFile } from "node:fs/promises";
import { PlanError } from "@parazarr/core/backend";
import { isPartialKey, isWholeKey } from "./key-text.js";
import { expandHome, type ResolvedOptions } from "./options.js";

type Ssh2 = typeof import("ssh2");

export interface LoadedKey {
  readonly key: Buffer | undefined;
  /** How messages name the key: its path, or "the privateKey given". */
  readonly describe: string;
}

export async function loadPrivateKey(options: ResolvedOptions, ssh2: Ssh2): Promise<LoadedKey> {
  const given = options.privateKey;
  if (given === undefined) return { key: undefined, describe: "no private key" };
  let key: Buffer;
  let describe: string;
  if (Buffer.isBuffer(given) || isWholeKey(given) || isPartialKey(given)) {
    // Partial keys are refused by resolveOptions; should one get here, parseKey refuses it without echoing it.
    key = Buffer.isBuffer(given) ? given : Buffer.from(given);
    describe = "the privateKey given";
  } else {
    describe = given;
    try {
      key = await readFile(expandHome(given));
    } catch (error) {
      throw new PlanError(`ssh(options): privateKey ${given} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "privateKey", given);
    }
  }
  const parsed = ssh2.utils.parseKey(key, options.passphrase);
  if (parsed instanceof Error) {
    throw new PlanError(`ssh(options): privateKey (${describe}) cannot be used: ${parsed.message}`, "privateKey", undefined);
  }
  return { key, describe };
}
