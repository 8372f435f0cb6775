/**
 * What the terminal can take, decided once from the stream and the
 * environment: a live bar only on a TTY that can move its cursor
 * (TERM=dumb cannot), colour by the no-color.org and FORCE_COLOR
 * conventions (FORCE_COLOR wins, then NO_COLOR, then TERM=dumb, then TTY).
 */
export interface Terminal {
  readonly live: boolean;
  readonly color: boolean;
}

export function terminalOf(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Terminal {
  const tty = stream.isTTY === true;
  const dumb = env.TERM === "dumb";
  const force = env.FORCE_COLOR;
  let color: boolean;
  if (force !== undefined && force !== "") color = force !== "0" && force !== "false";
  else if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") color = false;
  else color = tty && !dumb;
  return { live: tty && !dumb, color };
}

export interface Paint {
  bold(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const sgr = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const plain = (s: string) => s;

export const paint = (color: boolean): Paint =>
  color ? { bold: sgr(1), red: sgr(31), green: sgr(32), yellow: sgr(33) } : { bold: plain, red: plain, green: plain, yellow: plain };
