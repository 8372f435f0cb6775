/**
 * The caller's process exiting (a script that never calls close(), an
 * uncaught error, process.exit) must not leave the job queued or running
 * on the cluster, where it would hold nodes until its time limit. An
 * 'exit' listener can only run synchronous code: scancel is spawned
 * synchronously, and the secret removed.
 */
import { spawnSync } from "node:child_process";

export function cancelOnExit(jobId: string, env: Readonly<Record<string, string>>, cleanUp: () => void): () => void {
  const onExit = () => {
    spawnSync("scancel", [jobId], { env: { ...process.env, ...env }, stdio: "ignore", timeout: 10_000 });
    cleanUp();
  };
  process.on("exit", onExit);
  return () => process.off("exit", onExit);
}
