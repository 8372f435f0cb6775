/**
 * `parazarr convert` under a pseudo-terminal (util-linux `script`), as a
 * user at a terminal sees it: a live bar that redraws one line, a coloured
 * summary; NO_COLOR drops the colours and keeps the bar; TERM=dumb (a
 * terminal that cannot move its cursor) gets plain lines and no escape
 * sequence at all.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { makeCollection } from "./fixtures/netcdf-collection.js";
import { tempDirs } from "./fixtures/zarr-helpers.js";
import { BIN, CONTROL, cliEnv } from "./fixtures/cli.js";

const dirs = tempDirs();
let nc: string;

beforeAll(async () => {
  nc = dirs.temp("cli-tty-nc");
  await makeCollection(nc, { files: 4, period: { days: 5 }, nlat: 10, nlon: 12, formats: ["NETCDF4", "NETCDF3_CLASSIC"] });
}, 120_000);
afterAll(() => dirs.removeAll());

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The terminal's whole output (stdout and stderr interleaved, as on a screen) and the exit code. */
function onTerminal(args: string[], env: Record<string, string>): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  return new Promise((resolve) => {
    execFile("script", ["-qec", command, "/dev/null"], { cwd: dirs.temp("cli-tty"), env: cliEnv(env) }, (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code), screen: stdout });
    });
  });
}

const convertArgs = () => ["convert", join(nc, "*.nc"), "tty.zarr", "--plan", "threads:2", "--chunks", "time=1"];
const SGR_COLOUR = /\u001b\[(1|3\d)m/;

describe("on a terminal", () => {
  it("a live bar with tasks, files, MB/s and ETA, redrawn in place; the summary in colour", async () => {
    const { code, screen } = await onTerminal(convertArgs(), { TERM: "xterm-256color" });
    expect(code).toBe(0);
    expect(screen).toMatch(/writing [█░]+ 40\/40 tasks \| files 4\/4 \| [\d.]+ MB\/s \| ETA \d+s/);
    expect(screen).toContain("\u001b[1G"); // back to column 1: the bar redraws its line
    expect(screen).toContain("\u001b[32mconverted 4 files");
  }, 120_000);

  it("NO_COLOR: the bar stays, the colours go", async () => {
    const { code, screen } = await onTerminal(convertArgs(), { TERM: "xterm-256color", NO_COLOR: "1" });
    expect(code).toBe(0);
    expect(screen).toMatch(/40\/40 tasks/);
    expect(screen).not.toMatch(SGR_COLOUR);
    expect(screen).toContain("converted 4 files");
  }, 120_000);

  it("TERM=dumb: plain lines, no escape sequence", async () => {
    const { code, screen } = await onTerminal(convertArgs(), { TERM: "dumb" });
    expect(code).toBe(0);
    expect(screen).toMatch(/^parazarr: writing 40\/40 tasks \(0 skipped, 0 failed\), files 4\/4/m);
    // The terminal turns each "\n" into "\r\n"; nothing else may be a control character.
    expect(screen.replace(/\r\n/g, "\n")).not.toMatch(CONTROL);
  }, 120_000);
});
