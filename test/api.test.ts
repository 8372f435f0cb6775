// Guards against accidental exports: every public name is listed here on
// purpose. Adding one is a deliberate change to this list.
import { describe, expect, it } from "vitest";

const names = async (specifier: string) => Object.keys(await import(specifier)).sort();

describe("public API", () => {
  it("@parazarr/core/backend exports what backends may use, nothing else", async () => {
    expect(await names("@parazarr/core/backend")).toEqual([
      "PROTOCOL_VERSION",
      "PlanError",
      "ProtocolVersionError",
      "WorkerLostError",
      "checkCount",
      "checkOneOf",
      "checkProtocolVersion",
      "checkWorkers",
      "definePlan",
      "describeValue",
      "fromWireError",
      "isFromWorker",
      "isProtocolVersionError",
      "isToWorker",
      "isWorkerLostError",
      "redactText",
      "scrubError",
    ]);
  });

  it("@parazarr/core/worker exports the worker runtime", async () => {
    expect(await names("@parazarr/core/worker")).toEqual([
      "PROTOCOL_VERSION",
      "collectGivenAway",
      "collectTransferables",
      "isToWorker",
      "runBatch",
      "runItem",
      "serveWorker",
      "toWireError",
      "unsendableResult",
    ]);
  });

  it("@parazarr/backend-threads exports threads", async () => {
    expect(await names("@parazarr/backend-threads")).toEqual(["threads"]);
  });

  it("@parazarr/backend-processes and @parazarr/backend-ssh export their plans and errors", async () => {
    expect(await names("@parazarr/backend-processes")).toEqual(["processes"]);
    expect(await names("@parazarr/backend-ssh")).toEqual([
      "ModuleBundleError",
      "SshHostError",
      "SshHostsUnavailableError",
      "isSshHostError",
      "isSshHostsUnavailableError",
      "ssh",
    ]);
  });

  it("@parazarr/core exports plans, tasks, map, Zarr I/O and tagged errors, nothing internal", async () => {
    expect(await names("@parazarr/core")).toEqual([
      // errors
      "AbortError", "ArrayExistsError", "ArrayNotFoundError", "ChunkAlignmentError", "ChunkDecodeError", "ChunkSizeError", "ChunkSuggestionError", "CloneError",
      "CoordinateMismatchError", "CoordinateNotFoundError", "CoordinateOrderError",
      "DataMismatchError", "FileStoreError", "HttpStoreError", "InvalidDateError", "MapFailures", "MetadataError", "ParazarrError", "PlanClosedError", "PlanError",
      "ProtocolVersionError", "ReadOnlyStoreError", "ReadTooLargeError", "S3StoreError", "SelectionError", "StoreDependencyError", "StoreKeyError",
      "StoreNotSharedError", "StoreSpecError", "StoreTimeoutError", "TaskDefinitionError", "TaskError", "TimeAxisError", "TimeUnitsError", "TransientError",
      "UnknownCodecError", "UnknownSourceFormatError", "WorkerCrashedError", "ZarrOptionError",
      // Zarr I/O and plans, tasks, map
      "checkCoordinatesMatch", "chunkKey", "consolidate", "create", "decodeTimes", "encodeTimes", "everywhere", "formatInstant",
      "getPlan",
      // guards
      "isAbortError", "isArrayExistsError", "isArrayNotFoundError", "isChunkAlignmentError", "isChunkDecodeError", "isChunkSizeError", "isChunkSuggestionError", "isCloneError",
      "isCoordinateMismatchError", "isCoordinateNotFoundError", "isCoordinateOrderError",
      "isDataMismatchError", "isFileStoreError", "isHttpStoreError", "isInvalidDateError", "isMetadataError", "isPlan", "isPlanClosedError", "isPlanError",
      "isProtocolVersionError", "isReadOnlyStoreError", "isReadTooLargeError", "isS3StoreError", "isSelectionError", "isStoreDependencyError", "isStoreKeyError",
      "isStoreNotSharedError", "isStoreSpecError", "isStoreTimeoutError", "isTask", "isTaskDefinitionError", "isTaskError", "isTimeAxisError", "isTimeUnitsError", "isTransient",
      "isUnknownCodecError", "isUnknownSourceFormatError", "isWorkerCrashedError", "isZarrOptionError",
      "map", "mapUnordered", "open", "openStore", "parseDate", "parseTimeUnits", "read", "regionFromCoordinates", "registerCodec", "registerSourceFormat", "removeStaleTempFiles", "sequential", "setPlan", "suggestChunks", "task",
      "timeAxis", "transfer", "withPlan", "writeRegion",
    ]);
  });
});
