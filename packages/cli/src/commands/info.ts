/** `parazarr info ARCHIVE`: groups, arrays, shapes, chunks, codecs, dtypes, dimensions, decoded time range, size on disk. */
import { archiveUrl } from "../archive-url.js";
import { archiveInfo, type ArchiveInfo, type ArrayInfo } from "../archive-info.js";
import type { Context } from "../context.js";
import { EXIT, type ExitCode } from "../exit-codes.js";
import { mb } from "../units.js";

export async function runInfo(archiveArg: string, ctx: Context): Promise<ExitCode> {
  const info = await archiveInfo(archiveUrl(archiveArg));
  ctx.io.stdout.write(ctx.json ? `${JSON.stringify(info, null, 2)}\n` : `${describe(info, ctx).join("\n")}\n`);
  return EXIT.ok;
}

const codec = (c: ArrayInfo["codecs"][number]) => {
  const config = Object.entries(c.configuration).map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  return config.length === 0 ? c.name : `${c.name}(${config.join(", ")})`;
};

function describe(info: ArchiveInfo, ctx: Context): string[] {
  const lines = [ctx.out.bold(`zarr ${info.archive} {`), `  // zarr v${info.zarrFormat}${info.sizeOnDisk === null ? "" : `, ${mb(info.sizeOnDisk)} on disk`}`];
  if (info.groups.length > 1) lines.push(`  // groups: ${info.groups.join(", ")}`);
  lines.push("dimensions:", ...Object.entries(info.dimensions).map(([d, n]) => `  ${d} = ${n} ;`));
  lines.push("arrays:");
  for (const a of info.arrays) {
    lines.push(`  ${a.dtype} ${a.path}(${(a.dimensions ?? a.shape.map((_, i) => `dim_${i}`)).join(", ")}) ;`);
    lines.push(`    // shape ${a.shape.join("×")}, chunks ${a.chunks.join("×")}, codecs ${a.codecs.map(codec).join(" | ") || "none"}, fill ${JSON.stringify(a.fillValue)}`);
    for (const [k, v] of Object.entries(a.attributes)) if (k !== "_ARRAY_DIMENSIONS") lines.push(`    ${a.path}:${k} = ${JSON.stringify(v)} ;`);
  }
  if (Object.keys(info.attributes).length > 0) {
    lines.push("// global attributes:", ...Object.entries(info.attributes).map(([k, v]) => `  :${k} = ${JSON.stringify(v)} ;`));
  }
  if (info.time !== null) {
    lines.push(`// time: ${info.time.first} .. ${info.time.last} (${info.time.steps} steps, ${info.time.units}, ${info.time.calendar} calendar)`);
  }
  lines.push("}");
  return lines;
}
