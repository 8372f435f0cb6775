/** What every command gets: the streams, the environment and the output mode chosen on the command line. */
import { UsageError } from "./errors.js";
import { parseAccessPattern, parseChunks, parseCodec, parseList, parseNumber, parsePositive, parseZarrFormat } from "./option-values.js";
import { jsonProgress, liveBar, plainLines, quietSink, type ProgressSink } from "./progress.js";
import { paint, terminalOf, type Paint } from "./terminal.js";
import type { TemplateOptions } from "@parazarr/core";

/** An output stream as commands see it: text goes through `write`; `stream` is the real one, for the live bar. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly stream?: NodeJS.WriteStream;
}

export interface Io {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: NodeJS.ProcessEnv;
}

export interface OutputMode {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

export interface Context extends OutputMode {
  readonly io: Io;
  /** Colours for stdout's results. */
  readonly out: Paint;
  /** Colours for stderr's diagnostics. */
  readonly err: Paint;
  /** The plan in force, as it describes itself ("threads(8)"). */
  readonly plan: string;
  /** Diagnostics (stderr), unless --quiet or --json. */
  note(line: string): void;
}

export function contextOf(io: Io, mode: OutputMode, plan: string): Context {
  return {
    ...mode,
    io,
    plan,
    out: paint(terminalOf(io.stdout, io.env).color && !mode.json),
    err: paint(terminalOf(io.stderr, io.env).color),
    note: (line) => {
      if (!mode.quiet && !mode.json) io.stderr.write(`${line}\n`);
    },
  };
}

export function progressSink(ctx: Context): ProgressSink {
  if (ctx.json) return jsonProgress(ctx.io.stdout);
  if (ctx.quiet) return quietSink();
  const stream = ctx.io.stderr.stream;
  return terminalOf(ctx.io.stderr, ctx.io.env).live && stream !== undefined ? liveBar(stream) : plainLines(ctx.io.stderr);
}

/** The template options as commander hands them over (strings), parsed. */
export interface TemplateFlags {
  chunks?: string;
  targetChunkMb?: string;
  accessPattern?: string;
  variables?: string;
  dropVariables?: string;
  zarrFormat?: string;
  codec?: string;
  globalStart?: string;
  globalEnd?: string;
  freq?: string;
}

export function templateOptions(flags: TemplateFlags): TemplateOptions {
  const o: { -readonly [K in keyof TemplateOptions]: TemplateOptions[K] } = {};
  if (flags.chunks !== undefined) o.chunks = parseChunks(flags.chunks);
  if (flags.targetChunkMb !== undefined) o.targetChunkMB = parsePositive("target-chunk-mb", flags.targetChunkMb);
  if (flags.accessPattern !== undefined) o.accessPattern = parseAccessPattern(flags.accessPattern);
  if (flags.variables !== undefined) o.variables = parseList("variables", flags.variables);
  if (flags.dropVariables !== undefined) o.dropVariables = parseList("drop-variables", flags.dropVariables);
  if (flags.zarrFormat !== undefined) o.zarrFormat = parseZarrFormat(flags.zarrFormat);
  if (flags.codec !== undefined) o.codec = parseCodec(flags.codec);
  if ((flags.globalStart === undefined) !== (flags.globalEnd === undefined)) {
    throw new UsageError(`--global-start and --global-end go together (got only ${flags.globalStart === undefined ? "--global-end" : "--global-start"})`, flags.globalStart === undefined ? "global-start" : "global-end");
  }
  if (flags.freq !== undefined && flags.globalStart === undefined) throw new UsageError("--freq needs --global-start and --global-end", "freq");
  if (flags.globalStart !== undefined) o.time = { start: flags.globalStart, end: flags.globalEnd!, freq: flags.freq ?? "1D" };
  return o;
}

export function retriesOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseNumber("retries", text, { integer: true, min: 0 });
}
