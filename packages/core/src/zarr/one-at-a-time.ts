/**
 * Read-check-write sequences on one store that must not interleave within
 * this process: two `create` calls that both find a path free would both
 * write it (the second silently replacing the first), and two `.zmetadata`
 * updates would each keep only their own entries. Each such sequence runs
 * after every earlier one of the same kind on the same store. Other
 * processes do not see these queues (see consolidate() and the README).
 */
import type { StoreSpec } from "./stores/types.js";

const queues = new Map<string, Promise<unknown>>();

export function oneAtATime<T>(kind: string, spec: StoreSpec, run: () => Promise<T>): Promise<T> {
  const id = JSON.stringify([kind, spec.url, spec.options ?? {}]);
  const previous = queues.get(id) ?? Promise.resolve();
  const next = previous.then(run, run);
  const tail = next.catch(() => undefined);
  queues.set(id, tail);
  void tail.then(() => queues.get(id) === tail && queues.delete(id));
  return next;
}
