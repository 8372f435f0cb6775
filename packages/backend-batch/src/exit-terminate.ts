/**
 * The caller's process exiting without close() (a script that returns, an
 * uncaught error, process.exit, Ctrl-C's default handler) must not leave
 * children running and billing. An 'exit' listener may not wait for
 * anything, so it spawns a detached `node` that calls TerminateJob on every
 * job the plan started, and lets it outlive us. It inherits the caller's
 * environment (its AWS credentials, the default chain): nothing is passed
 * on its command line but the job ids, the region and the endpoint.
 *
 * SIGKILL (and a power cut) runs no listener: then each child stops by
 * itself once it has had nothing to do for `idleTimeoutMs` (the batch it
 * was running finishes first, and its answer is never read).
 */
import { spawn } from "node:child_process";

const SCRIPT = `
const { sdk, region, endpoint, ids } = JSON.parse(process.argv[1]);
const { BatchClient, TerminateJobCommand } = await import(sdk);
const client = new BatchClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
await Promise.all(ids.map((jobId) => client.send(new TerminateJobCommand({ jobId, reason: "the parazarr caller exited without closing its plan" })).catch(() => undefined)));
`;

export function terminateOnExit(settings: { region: string | undefined; endpoint: string | undefined }, jobIds: () => readonly string[]): () => void {
  const hook = () => {
    const ids = jobIds();
    if (ids.length === 0) return;
    const args = JSON.stringify({ sdk: import.meta.resolve("@aws-sdk/client-batch"), ...settings, ids });
    try {
      spawn(process.execPath, ["--input-type=module", "-e", SCRIPT, args], { detached: true, stdio: "ignore" }).unref();
    } catch {
      // Nothing more can be done while exiting: the children's idle timeout is the last resort.
    }
  };
  process.on("exit", hook);
  return () => process.off("exit", hook);
}
