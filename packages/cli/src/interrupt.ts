/**
 * SIGINT (Ctrl-C) and SIGTERM during a run: the first aborts the run
 * through its signal, so core stops dispatching, cancels running tasks and
 * waits until none can still store a chunk; the ledger then holds every
 * task that finished. The second exits at once: chunk writes are a
 * temporary file and a rename, so even then no chunk is torn, and the
 * tasks that were running are simply redone by the next run.
 */
import { EXIT } from "./exit-codes.js";
import type { Writer } from "./progress.js";

export interface Interrupt {
  readonly signal: AbortSignal;
  readonly interrupted: boolean;
  dispose(): void;
}

export function onInterrupt(stderr: Writer, quiet: boolean): Interrupt {
  const controller = new AbortController();
  let count = 0;
  const handler = (name: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      if (!quiet) stderr.write(`\nparazarr: ${name}: stopping; finished tasks stay recorded (press Ctrl-C again to exit at once)\n`);
      controller.abort(new Error(`interrupted by ${name}`));
    } else {
      stderr.write(`parazarr: ${name} again: exiting now; run the same command again to resume\n`);
      process.exit(EXIT.interrupted);
    }
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    get interrupted() {
      return count > 0;
    },
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
