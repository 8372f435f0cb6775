/** `parazarr status ARCHIVE`: done, missing and failed, per variable, time range and input file, from the ledger alone. */
import { status, type ConversionStatus } from "@parazarr/core";
import { archiveUrl } from "../archive-url.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { mb } from "../units.js";

export async function runStatus(archiveArg: string, ctx: Context): Promise<ExitCode> {
  const report = await status(archiveUrl(archiveArg));
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  ctx.io.stdout.write(`${describe(report, ctx).join("\n")}\n`);
  return EXIT.ok;
}

function describe(s: ConversionStatus, ctx: Context): string[] {
  const { bold, green, red, yellow } = ctx.out;
  if (!s.manifest) return [yellow(`${s.archive}: no parazarr conversion here (no manifest: not converted, or its template never finished)`)];
  const o = s.overall;
  const state = o.failed > 0 ? red("has failures") : o.missing > 0 ? yellow("incomplete") : green("complete");
  const lines = [
    bold(`${s.archive}: ${state}`),
    `  tasks      ${o.done} done, ${o.missing} missing, ${o.failed} failed, ${o.units} in all (${o.chunks} chunks, ${mb(o.bytes)})`,
    `  inputs     ${o.inputs.done} done, ${o.inputs.partial} partial, ${o.inputs.missing} missing, ${o.inputs.failed} failed`,
  ];
  for (const v of s.variables) lines.push(`  ${v.variable.padEnd(10)} ${v.done}/${v.units} done, ${v.missing} missing, ${v.failed} failed`);
  for (const run of s.timeRanges.filter((r) => r.state !== "done")) {
    lines.push(`  ${run.state.padEnd(10)} ${run.variable} time ${run.start}:${run.stop}${run.first === "" ? "" : ` (${run.first} .. ${run.last})`}`);
  }
  for (const input of s.inputs.filter((i) => i.state !== "done")) {
    lines.push(`  ${input.state.padEnd(10)} ${input.url}${input.lastError === undefined ? "" : `: ${input.lastError.message}`}`);
  }
  for (const f of s.failures) lines.push(red(`  failed     ${f.task} after ${f.attempts} attempts (${f.sources.join(", ")}): ${f.error.message}`));
  return lines;
}
