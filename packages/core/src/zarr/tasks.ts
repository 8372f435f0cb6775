/**
 * The tasks core's Zarr I/O hands to `map`. Declared like any user task, so
 * a thread, a process or a remote host finds them by URL in core's dist.
 */
import { task } from "../task/task.js";
import { readChunkGroup, type ReadGroup } from "./chunk-read.js";
import { writeChunkGroup, type WriteGroup } from "./chunk-write.js";

export const readChunks = task(import.meta.url, "readChunks", (group: ReadGroup, context) => readChunkGroup(group, context.signal));

export const writeChunks = task(import.meta.url, "writeChunks", (group: WriteGroup, context) => writeChunkGroup(group, context.signal));
