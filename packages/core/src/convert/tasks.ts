/** The conversion's tasks, declared like core's Zarr tasks, so every plan's workers find them (ssh ships this module inside core.mjs). */
import { task } from "../task/task.js";
import { convertUnit, recordedByThisPlan, type UnitResult, type UnitTask } from "./convert-task.js";
import { scanSource, type ScanRequest } from "./scan.js";
import { writeStatic, type StaticWrite } from "./static-write.js";
import { hashChunkGroup, type ChunkCheckGroup } from "./validate.js";

export type { StaticWrite };

export const scanSources = task(import.meta.url, "scanSources", (request: ScanRequest, context) => scanSource(request, context.signal));

/**
 * The units of one time range (every variable, every spatial block), one
 * after the other on one worker: they read the same files, which this
 * worker then opens once (an HDF5 open costs ≈ 20 ms, a tenth of a unit).
 */
export const convertUnits = task(import.meta.url, "convertUnits", async (units: readonly UnitTask[], context) => {
  const results: UnitResult[] = [];
  let failure: unknown;
  for (const unit of units) {
    // A retry redoes only what the failed attempt left unrecorded.
    if (context.attempt > 1 && (await recordedByThisPlan(unit))) {
      results.push({ id: unit.id, chunks: 0, bytes: 0, clipped: 0 });
      continue;
    }
    try {
      results.push(await convertUnit(unit, context.signal));
    } catch (error) {
      // One variable that fails does not keep the others of its time chunk
      // from being written: the caller counts as failed only the units left
      // without a record, then the task fails with the first error.
      if (context.signal.aborted) throw error;
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return results;
});

export const writeStatics = task(import.meta.url, "writeStatics", (job: StaticWrite, context) => writeStatic(job, context.signal));

export const checkChunkGroup = task(import.meta.url, "checkChunkGroup", (group: ChunkCheckGroup, context) => hashChunkGroup(group, context.signal));
