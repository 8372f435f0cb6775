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
      "planArgs",
      "planCount",
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
    expect(await names("@parazarr/backend-threads")).toEqual(["fromPlanString", "threads"]);
  });

  it("@parazarr/netcdf exports netcdf(), its format, openNetcdf and tagged errors", async () => {
    expect(await names("@parazarr/netcdf")).toEqual([
      "NetcdfFormatError", "NetcdfNotFoundError", "NetcdfSelectionError", "NetcdfSourceError",
      "isNetcdfFormatError", "isNetcdfNotFoundError", "isNetcdfSelectionError", "isNetcdfSourceError",
      "netcdf", "netcdfFormat", "openNetcdf",
    ]);
  });

  it("@parazarr/backend-processes and @parazarr/backend-ssh export their plans and errors", async () => {
    expect(await names("@parazarr/backend-processes")).toEqual(["fromPlanString", "processes"]);
    expect(await names("@parazarr/backend-ssh")).toEqual([
      "ModuleBundleError",
      "SshHostError",
      "SshHostsUnavailableError",
      "fromPlanString",
      "isSshHostError",
      "isSshHostsUnavailableError",
      "ssh",
    ]);
  });

  it("@parazarr/backend-batch exports its plan and tagged errors", async () => {
    expect(await names("@parazarr/backend-batch")).toEqual([
      "BatchCapacityError", "BatchJobError", "BatchStagingError", "batch", "fromPlanString",
      "isBatchCapacityError", "isBatchJobError", "isBatchStagingError",
    ]);
  });

  it("@parazarr/backend-slurm exports its plan and errors", async () => {
    expect(await names("@parazarr/backend-slurm")).toEqual([
      "ModuleBundleError",
      "SlurmCommandError",
      "SlurmPendingError",
      "SlurmSubmitError",
      "fromPlanString",
      "isSlurmCommandError",
      "isSlurmPendingError",
      "isSlurmSubmitError",
      "slurm",
    ]);
  });

  it("@parazarr/remote exports code shipping and the agent runtime for remote backends; its agent subpath only the runtime", async () => {
    const agent = [
      "FrameDecoder", "FrameError", "encodeFrame", "isFrameError",
      "isPingMessage", "isPongMessage", "isWorkerLostMessage",
      "runAgent", "serveAgentThread",
    ];
    expect(await names("@parazarr/remote/agent")).toEqual(agent);
    expect(await names("@parazarr/remote")).toEqual(
      [...agent, "ModuleBundleError", "Shipper", "TaskBundler", "bundleCore", "bundleEntry", "isCoreModule", "isModuleBundleError"].sort(),
    );
  });

  it("@parazarr/cli exports its entry for embedding, its exit codes and its usage error", async () => {
    expect(await names("@parazarr/cli")).toEqual(["EXIT", "UsageError", "isUsageError", "main", "redacting"]);
  });

  it("@parazarr/core exports plans, tasks, map, Zarr I/O, the conversion workflow and tagged errors, nothing internal", async () => {
    expect(await names("@parazarr/core")).toEqual([
      // errors
      "AbortError", "ArrayExistsError", "ArrayNotFoundError", "ChunkAlignmentError", "ChunkDecodeError", "ChunkSizeError", "CloneError",
      "DataMismatchError", "FileStoreError", "HttpStoreError", "MapFailures", "MetadataError", "ParazarrError", "PlanClosedError", "PlanError",
      "ProtocolVersionError", "ReadOnlyStoreError", "ReadTooLargeError", "S3StoreError", "SelectionError", "StoreDependencyError", "StoreKeyError",
      "StoreNotSharedError", "StoreSpecError", "StoreTimeoutError", "TaskDefinitionError", "TaskError", "TransientError",
      "UnknownCodecError", "UnknownSourceFormatError", "WorkerCrashedError", "ZarrOptionError",
      // Zarr I/O and plans, tasks, map
      "chunkKey", "consolidate", "create", "everywhere", "getPlan", "planFromString",
      // guards
      "isAbortError", "isArrayExistsError", "isArrayNotFoundError", "isChunkAlignmentError", "isChunkDecodeError", "isChunkSizeError", "isCloneError",
      "isDataMismatchError", "isFileStoreError", "isHttpStoreError", "isMetadataError", "isPlan", "isPlanClosedError", "isPlanError",
      "isProtocolVersionError", "isReadOnlyStoreError", "isReadTooLargeError", "isS3StoreError", "isSelectionError", "isStoreDependencyError", "isStoreKeyError",
      "isStoreNotSharedError", "isStoreSpecError", "isStoreTimeoutError", "isTask", "isTaskDefinitionError", "isTaskError", "isTransient",
      "isUnknownCodecError", "isUnknownSourceFormatError", "isWorkerCrashedError", "isZarrOptionError",
      "map", "mapUnordered", "open", "openSource", "openStore", "read", "registerCodec", "registerSourceFormat", "removeStaleTempFiles", "sequential", "setPlan", "task",
      "transfer", "withPlan", "writeRegion",
      // the conversion workflow (issue 11): convert, templates, independent writers, status, validate
      "ConvertFailedError", "ConvertOptionError", "LEDGER_PREFIX", "LedgerError", "PackingMismatchError", "RegionClaimedError", "SourceMismatchError",
      "TemplateMismatchError", "convert", "createTemplate", "isConvertFailedError", "isConvertOptionError", "isLedgerError", "isPackingMismatchError",
      "isRegionClaimedError", "isSourceMismatchError", "isTemplateMismatchError", "status", "validate", "writeFromSource",
      // CF time, regions from coordinates, chunk suggestion
      "ChunkSuggestionError", "CoordinateMismatchError", "CoordinateNotFoundError", "CoordinateOrderError", "InvalidDateError", "TimeAxisError", "TimeUnitsError",
      "checkCoordinatesMatch", "decodeTimes", "encodeTimes", "formatInstant", "isChunkSuggestionError", "isCoordinateMismatchError", "isCoordinateNotFoundError",
      "isCoordinateOrderError", "isInvalidDateError", "isTimeAxisError", "isTimeUnitsError", "parseDate", "parseTimeUnits", "regionFromCoordinates",
      "suggestChunks", "timeAxis",
    ].sort());
  });
});
