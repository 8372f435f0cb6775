/**
 * `parazarr ARGS`: parse, merge --config, set the plan, run the command,
 * and turn the outcome into one exit code and, on error, one readable
 * line on stderr (the stack only with --verbose). Resolves the exit code;
 * bin.ts exits with it.
 */
import { CommanderError, type Command } from "commander";
import { getPlan, isPlanError, planFromString, sequential, setPlan, isConvertOptionError, isZarrOptionError, isAbortError } from "@parazarr/core";
import { redactText } from "@parazarr/core/backend";
import { readConfigFile } from "./config-file.js";
import { contextOf, type Context, type Io, type Output, type OutputMode } from "./context.js";
import { isUsageError, UsageError } from "./errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";
import { buildProgram } from "./program.js";
import { paint, terminalOf } from "./terminal.js";
import { runConvert } from "./commands/convert.js";
import { runCreateTemplate } from "./commands/create-template.js";
import { runWriteRegion } from "./commands/write-region.js";
import { runStatus } from "./commands/status.js";
import { runValidate } from "./commands/validate.js";
import { runInfo } from "./commands/info.js";

/** Commands whose work runs as map tasks, so they need the plan. */
const ON_PLAN = new Set(["convert", "create-template", "write-region", "validate"]);

/**
 * Every line the CLI prints goes through core's redactText: a store URL's
 * user info, a signed URL's token or a credential from the environment
 * never reaches a terminal or a log, whatever error or value carried it.
 * (The live bar writes only counts, straight to the terminal.)
 */
export function redacting(stream: NodeJS.WriteStream): Output {
  return { write: (text: string) => stream.write(redactText(text)), isTTY: stream.isTTY, stream };
}

export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  let mode: OutputMode = { json: false, quiet: false, verbose: argv.includes("--verbose") || argv.includes("-v") };
  const program = buildProgram(async (command, args, _options, cmd) => {
    const options = withConfig(cmd);
    mode = { json: options.json === true, quiet: options.quiet === true, verbose: options.verbose === true };
    const ctx = contextOf(io, mode, ON_PLAN.has(command) ? await usePlan(options.plan as string | undefined) : "none");
    code = await dispatch(command, args, options, ctx);
  });
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
    outputError: (s, write) => write(paint(terminalOf(io.stderr, io.env).color).red(s)),
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    code = reportError(error, mode, io);
  } finally {
    await setPlan(sequential());
  }
  return code;
}

/** The command's options with --config's filling in what the command line left out; --config and global options included. */
function withConfig(cmd: Command): Record<string, unknown> {
  const options = cmd.optsWithGlobals() as Record<string, unknown>;
  if (typeof options.config !== "string") return options;
  const known = new Set([...cmd.options, ...(cmd.parent?.options ?? [])].map((o) => o.attributeName()));
  for (const [key, value] of readConfigFile(options.config)) {
    if (options[key] === undefined && known.has(key)) options[key] = value;
  }
  return options;
}

async function usePlan(text: string | undefined): Promise<string> {
  // Default: threads on every core (fromPlanString("") in @parazarr/backend-threads).
  await setPlan(await planFromString(text ?? "threads"));
  return String(getPlan());
}

async function dispatch(command: string, args: string[], o: Record<string, unknown>, ctx: Context): Promise<ExitCode> {
  switch (command) {
    case "convert":
      if (args.length < 2 && o.inputsFrom === undefined) throw new UsageError("convert: give INPUT... ARCHIVE (or --inputs-from FILE ARCHIVE)", "ARCHIVE");
      if (args.length < 1) throw new UsageError("convert: give the ARCHIVE last", "ARCHIVE");
      return runConvert(args, o, ctx);
    case "create-template":
      return runCreateTemplate(args[0]!, args[1]!, o, ctx);
    case "write-region":
      return runWriteRegion(args[0]!, args[1]!, o, ctx);
    case "status":
      return runStatus(args[0]!, ctx);
    case "validate":
      return runValidate(args[0]!, o, ctx);
    case "info":
      return runInfo(args[0]!, ctx);
    default:
      throw new UsageError(`unknown command ${command}`, "command");
  }
}

const isUsage = (e: unknown) => isUsageError(e) || isPlanError(e) || isConvertOptionError(e) || isZarrOptionError(e);

function reportError(error: unknown, mode: OutputMode, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    // Help and --version end here too (exitOverride): their exit code is 0.
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const code: ExitCode = isUsage(error) ? EXIT.usage : isAbortError(error) ? EXIT.interrupted : EXIT.failures;
  const message = redactText(error instanceof Error ? error.message : String(error));
  const red = paint(terminalOf(io.stderr, io.env).color).red;
  if (mode.json) io.stdout.write(`${JSON.stringify({ event: "error", error: { name: (error as Error)?.name ?? "Error", message }, exitCode: code })}\n`);
  io.stderr.write(`${red(`parazarr: error: ${message}`)}\n`);
  if (code === EXIT.usage) io.stderr.write("(run parazarr --help, or parazarr COMMAND --help, for usage)\n");
  if (mode.verbose && error instanceof Error && error.stack !== undefined) io.stderr.write(`${redactText(error.stack)}\n`);
  else if (code === EXIT.failures) io.stderr.write("(run again with --verbose for details)\n");
  return code;
}
