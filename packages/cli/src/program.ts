/**
 * The command line, declared with commander 14 (the last major that runs
 * on Node 20; 15 needs 22). Commands only parse here and hand their
 * arguments to `run`, which main.ts supplies: plans, output and exit codes
 * live there, not in the declarations.
 */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { EXIT_CODES_HELP } from "./exit-codes.js";

export type Run = (command: string, args: string[], options: Record<string, unknown>, cmd: Command) => Promise<void>;

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const PLAN_HELP =
  'where tasks run: threads[:N] | processes[:N] | ssh:user@h1,user@h2[,workers=N] | sequential, or a stack such as ssh:h1,h2/threads:4; each backend package parses its own (default: threads on all cores)';

function templateOptions(cmd: Command): Command {
  return cmd
    .option("--chunks <DIM=N,...>", "chunk length per dimension, such as time=100,lat=50,lon=100")
    .option("--target-chunk-mb <MB>", "target chunk size for dimensions not in --chunks (default 16)")
    .addOption(new Option("--access-pattern <PATTERN>", "what suggested chunks favour (default balanced)").choices(["temporal", "spatial", "balanced"]))
    .option("--variables <a,b>", "data variables to convert (default: every variable with the time dimension)")
    .option("--drop-variables <c,d>", "variables to leave out")
    .addOption(new Option("--zarr-format <2|3>", "Zarr format (default 2: what xarray, zarr-python 2 and ncdump read)").choices(["2", "3"]))
    .option("--codec <CODEC>", "zstd[:LEVEL] | blosc[:CNAME[:CLEVEL[:SHUFFLE]]] | gzip[:LEVEL] | zlib[:LEVEL] | none (default zstd:1)")
    .option("--global-start <DATE>", "the time axis's first step, instead of scanning the inputs (with --global-end)")
    .option("--global-end <DATE>", "the time axis's last step")
    .option("--freq <FREQ>", "the time axis's step with --global-start: 1D, 6h, 30min, 1MS, 1YS (default 1D)");
}

export function buildProgram(run: Run): Command {
  const program = new Command("parazarr")
    .description("Convert collections of NetCDF files into one Zarr archive, in parallel on a plan you choose; resume, check and inspect it.")
    .version(version, "-V, --version")
    .option("--plan <PLAN>", PLAN_HELP)
    .option("--config <FILE>", "read options from a JSON or YAML file (the command line wins)")
    .option("--json", "machine-readable output: NDJSON events (convert, write-region) or one JSON document (status, validate, info)")
    .option("-q, --quiet", "no progress or diagnostics on stderr")
    .option("-v, --verbose", "more detail; stack traces with errors")
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .addHelpText(
      "after",
      `
Examples:
  parazarr convert 'data/*.nc' era5.zarr --chunks time=24 --plan threads:8
  parazarr convert --inputs-from files.txt era5.zarr --plan processes:4
  parazarr status era5.zarr
  parazarr validate era5.zarr --deep
  parazarr info era5.zarr --json

${EXIT_CODES_HELP}`,
    );

  templateOptions(
    program
      .command("convert")
      .description("the whole job: a template, then every input, as tasks on the plan; a rerun resumes, skipping what is done")
      .argument("<INPUT...>", "NetCDF files or quoted globs ('data/*.nc'), expanded by parazarr; then the ARCHIVE (path or file://, s3:// URL)"),
  )
    .option("--inputs-from <FILE>", "read more input paths from FILE, one a line (# comments and blank lines skipped)")
    .option("--retries <N>", "retries of a task after a transient error or a lost worker (default 3)")
    .addHelpText("after", "\nExamples:\n  parazarr convert 'nc/*.nc' out.zarr --chunks time=8 --codec zstd:3\n  parazarr convert a.nc b.nc out.zarr --plan processes:2 --json\n\n" + EXIT_CODES_HELP)
    .action((inputs: string[], options: Record<string, unknown>, cmd: Command) => run("convert", inputs, options, cmd));

  templateOptions(
    program
      .command("create-template")
      .description("write the archive's layout (arrays, coordinates, attributes; no data chunks) for independent writers")
      .argument("<TEMPLATE>", "the NetCDF file whose variables and coordinates make the template")
      .argument("<ARCHIVE>", "the archive to create (path or URL)"),
  )
    .option("--inputs-from <FILE>", "files whose times make the axis (with TEMPLATE), when --global-start is not given")
    .option("--retries <N>", "retries of a scan task (default 3)")
    .addHelpText("after", "\nExamples:\n  parazarr create-template day1.nc out.zarr --global-start 2020-01-01 --global-end 2020-12-31 --freq 1D\n  parazarr create-template day1.nc out.zarr --inputs-from files.txt --chunks time=24")
    .action((template: string, archive: string, options: Record<string, unknown>, cmd: Command) => run("create-template", [template, archive], options, cmd));

  program
    .command("write-region")
    .description("write one file into an archive made by create-template, as one independent writer (claims its chunks first)")
    .argument("<SOURCE>", "the NetCDF file to write")
    .argument("<ARCHIVE>", "the archive (path or URL)")
    .option("--region <DIM=START:STOP>", "the archive time indices to write, checked against the file's times (default: found from them)")
    .option("--retries <N>", "retries of a task (default 3)")
    .addHelpText("after", "\nExample:\n  for f in nc/*.nc; do parazarr write-region \"$f\" out.zarr & done; wait")
    .action((source: string, archive: string, options: Record<string, unknown>, cmd: Command) => run("write-region", [source, archive], options, cmd));

  program
    .command("status")
    .description("what a conversion has done: done, missing and failed per variable, time range and input file")
    .argument("<ARCHIVE>")
    .addHelpText("after", "\nExample:\n  parazarr status out.zarr --json | jq .overall")
    .action((archive: string, options: Record<string, unknown>, cmd: Command) => run("status", [archive], options, cmd));

  program
    .command("validate")
    .description("check every recorded chunk, the time coverage and the coordinates; exit 3 when problems are found")
    .argument("<ARCHIVE>")
    .option("--deep", "also re-read every unit from its sources and compare")
    .addHelpText("after", "\nExample:\n  parazarr validate out.zarr --deep || echo \"problems (exit $?)\"\n\n" + EXIT_CODES_HELP)
    .action((archive: string, options: Record<string, unknown>, cmd: Command) => run("validate", [archive], options, cmd));

  program
    .command("info")
    .description("an ncdump -h for Zarr: groups, arrays, shapes, chunks, codecs, dtypes, dimensions, time range, size on disk")
    .argument("<ARCHIVE>")
    .addHelpText("after", "\nExample:\n  parazarr info out.zarr")
    .action((archive: string, options: Record<string, unknown>, cmd: Command) => run("info", [archive], options, cmd));

  return program;
}
