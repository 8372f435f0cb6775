/**
 * Says why a worker process ended, in words a user can act on, with the
 * fields `WorkerCrashedError` carries (pid, signal, exit code).
 */
import type { StderrTail } from "./stderr-tail.js";

export interface WorkerExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ExitReason {
  readonly reason: string;
  readonly details: { pid: number; signal?: string; exitCode?: number };
}

export function describeExit(exit: WorkerExit, stderr: StderrTail, heapLimitMb: number | undefined): ExitReason {
  const details = {
    pid: exit.pid,
    ...(exit.signal !== null ? { signal: exit.signal } : {}),
    ...(exit.code !== null ? { exitCode: exit.code } : {}),
  };
  const how = exit.signal !== null ? `killed by ${exit.signal}` : `exited with code ${exit.code ?? "unknown"}`;
  if (stderr.outOfMemory) {
    // V8 aborts the whole process (SIGABRT) when the heap limit is reached;
    // say so plainly rather than leave the user to decode a signal.
    const limit =
      heapLimitMb === undefined ? "the default V8 heap limit" : `its heap limit (maxOldGenerationSizeMb: ${heapLimitMb})`;
    const v8 = stderr.fatalLine;
    return {
      reason:
        `out of memory: the worker process reached ${limit} and was ${how}` +
        `${v8 ? ` (${v8})` : ""}; raise maxOldGenerationSizeMb or use less memory per task`,
      details,
    };
  }
  const said = exit.signal === null ? stderr.errorLine : undefined;
  return { reason: said === undefined ? how : `${how} (${said})`, details };
}
