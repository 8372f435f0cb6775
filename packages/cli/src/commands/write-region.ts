/**
 * `parazarr write-region SOURCE.nc ARCHIVE [--region time=0:100]`: one
 * independent writer, as zarrify's separate processes are, into an archive
 * made by create-template. The region comes from the source's times (and
 * is checked against them when given); its chunks are claimed in the
 * ledger first, so an overlapping or chunk-cutting region is refused before
 * anything is written.
 */
import { netcdfSource, writeFromSource, type ConvertSummary } from "../core-api.js";
import { archiveUrl } from "../archive-url.js";
import { progressSink, retriesOf, type Context } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { expandInputs } from "../inputs.js";
import { onInterrupt } from "../interrupt.js";
import { parseRegion } from "../option-values.js";
import { mb, seconds } from "../units.js";

export interface WriteRegionFlags {
  region?: string;
  retries?: string;
}

export async function runWriteRegion(source: string, archiveArg: string, flags: WriteRegionFlags, ctx: Context): Promise<ExitCode> {
  const archive = archiveUrl(archiveArg);
  const region = flags.region === undefined ? undefined : parseRegion(flags.region).range;
  const [path] = await expandInputs([source], undefined);
  const sink = progressSink(ctx);
  const interrupt = onInterrupt(ctx.io.stderr, ctx.quiet);
  try {
    const summary = await writeFromSource(netcdfSource(path!), archive, {
      ...(region === undefined ? {} : { region }),
      retries: retriesOf(flags.retries),
      signal: interrupt.signal,
      onProgress: (p) => sink.update(p),
    });
    sink.stop();
    print(ctx, path!, summary);
    return EXIT.ok;
  } catch (error) {
    sink.stop();
    if (interrupt.interrupted) {
      ctx.note("parazarr: interrupted; finished tasks are recorded. Run the same command again to finish.");
      return EXIT.interrupted;
    }
    throw error;
  } finally {
    interrupt.dispose();
  }
}

function print(ctx: Context, path: string, s: ConvertSummary): void {
  if (ctx.json) {
    ctx.io.stdout.write(`${JSON.stringify({ event: "summary", ok: true, source: path, ...s })}\n`);
    return;
  }
  ctx.io.stdout.write(
    `${ctx.out.bold(`wrote ${path} into ${s.archive}`)}\n` +
      `  tasks      ${s.tasks.written} written, ${s.tasks.skipped} skipped, ${s.tasks.failed} failed\n` +
      `  chunks     ${s.chunksWritten} written, ${mb(s.bytesWritten)}\n` +
      `  elapsed    ${seconds(s.elapsedMs)}\n`,
  );
}
