/**
 * `parazarr create-template TEMPLATE.nc ARCHIVE`: the archive's layout
 * alone (zarrify's create-template), for independent writers to fill with
 * write-region. The time axis is --global-start/--global-end/--freq, or the
 * times of TEMPLATE.nc and of the files listed with --inputs-from.
 */
import { createTemplate, netcdfSource, netcdfSources } from "../core-api.js";
import { archiveUrl } from "../archive-url.js";
import { retriesOf, templateOptions, type Context, type TemplateFlags } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { expandInputs } from "../inputs.js";
import { onInterrupt } from "../interrupt.js";

export interface CreateTemplateFlags extends TemplateFlags {
  inputsFrom?: string;
  retries?: string;
}

export async function runCreateTemplate(template: string, archiveArg: string, flags: CreateTemplateFlags, ctx: Context): Promise<ExitCode> {
  const archive = archiveUrl(archiveArg);
  const options = templateOptions(flags);
  const [templatePath] = await expandInputs([template], undefined);
  const inputs = options.time === undefined ? await expandInputs([templatePath!], flags.inputsFrom) : undefined;
  const interrupt = onInterrupt(ctx.io.stderr, ctx.quiet);
  try {
    const summary = await createTemplate(netcdfSource(templatePath!), archive, {
      ...options,
      ...(inputs === undefined ? {} : { inputs: netcdfSources(inputs) }),
      retries: retriesOf(flags.retries),
      signal: interrupt.signal,
    });
    if (ctx.json) {
      ctx.io.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      const lines = [
        ctx.out.bold(`${summary.created ? "created the template" : "the template was already there, unchanged"}: ${summary.archive} (zarr v${summary.zarrFormat})`),
        `  time       ${summary.first} .. ${summary.last} (${summary.timeSteps} steps)`,
        ...summary.arrays.map((a) => `  ${a.role.padEnd(10)} ${a.dtype} ${a.name} shape ${a.shape.join("×")} chunks ${a.chunks.join("×")}`),
      ];
      ctx.io.stdout.write(`${lines.join("\n")}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    if (interrupt.interrupted) {
      ctx.note("parazarr: interrupted; run the same command again (a template is written whole or redone)");
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}
