/** `parazarr validate ARCHIVE [--deep]`: the library's validate, on the plan. Exit 0 when clean, 3 with problems (listed). */
import { validate } from "@parazarr/core";
import { archiveUrl } from "../archive-url.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { onInterrupt } from "../interrupt.js";
import { mb } from "../units.js";

export async function runValidate(archiveArg: string, flags: { deep?: boolean }, ctx: Context): Promise<ExitCode> {
  const archive = archiveUrl(archiveArg);
  const interrupt = onInterrupt(ctx.io.stderr, ctx.quiet);
  try {
    const report = await validate(archive, { deep: flags.deep === true, signal: interrupt.signal });
    if (ctx.json) {
      ctx.io.stdout.write(`${JSON.stringify({ archive, ...report }, null, 2)}\n`);
    } else {
      const c = report.checked;
      const head = report.ok ? ctx.out.green(`${archive}: valid`) : ctx.out.red(`${archive}: ${report.problems.length} problems`);
      const lines = [
        ctx.out.bold(head),
        `  checked    ${c.records}/${c.units} task records, ${c.chunks} chunks (${mb(c.bytes)}), ${c.storedChunks} stored chunks, ${c.timeSteps} time steps` +
          (c.deepUnits > 0 ? `, ${c.deepUnits} units re-read from their sources` : ""),
        ...report.problems.map((p) => `  ${p.kind.padEnd(18)} ${p.chunk ?? p.file ?? p.variable ?? ""}: ${p.message}`),
      ];
      ctx.io.stdout.write(`${lines.join("\n")}\n`);
    }
    return report.ok ? EXIT.ok : EXIT.problems;
  } catch (error) {
    if (interrupt.interrupted) return EXIT.interrupted;
    throw error;
  } finally {
    interrupt.dispose();
  }
}
