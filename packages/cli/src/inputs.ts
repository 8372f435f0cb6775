/**
 * The INPUT... of `convert`: paths, and globs the tool expands itself, so
 * `parazarr convert 'data/*.nc' out.zarr` over 10,000 files never hits the
 * shell's argument limit; plus `--inputs-from FILE`, one path a line.
 * Every input must exist and every glob must match: a typo is refused
 * before anything is read or written.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import { UsageError } from "./errors.js";

export async function expandInputs(args: readonly string[], inputsFrom: string | undefined): Promise<string[]> {
  const found: string[] = [];
  for (const arg of args) found.push(...(isDynamicPattern(arg) ? await expandGlob(arg) : [checkFile(arg, "INPUT")]));
  if (inputsFrom !== undefined) found.push(...readList(inputsFrom));
  const unique = [...new Set(found)];
  if (unique.length === 0) throw new UsageError("convert: no INPUT given: name files or quoted globs ('data/*.nc'), or --inputs-from FILE", "INPUT");
  return unique;
}

async function expandGlob(pattern: string): Promise<string[]> {
  // tinyglobby 0.2: absolute paths, files only, sorted here (its order is the file system's).
  const matches = await glob(pattern, { absolute: true, onlyFiles: true, expandDirectories: false });
  if (matches.length === 0) throw new UsageError(`convert: the glob ${JSON.stringify(pattern)} matches no file`, "INPUT");
  return matches.sort();
}

function checkFile(path: string, option: string): string {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError(`${option}: ${path} does not exist`, option);
  if (!statSync(full).isFile()) throw new UsageError(`${option}: ${path} is not a file`, option);
  return full;
}

/** One path a line, relative to the current folder; blank lines and lines starting with # are skipped. */
function readList(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--inputs-from: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "inputs-from");
  }
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 }));
  return lines
    .filter(({ line }) => line !== "" && !line.startsWith("#"))
    .map(({ line, number }) => {
      try {
        return checkFile(line, "--inputs-from");
      } catch {
        throw new UsageError(`--inputs-from: ${file} line ${number}: ${line} does not exist or is not a file`, "inputs-from");
      }
    });
}
