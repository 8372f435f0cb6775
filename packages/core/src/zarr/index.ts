/** The public Zarr API of `@parazarr/core`. */
export { open } from "./open.js";
export { create, type CreateOptions } from "./create.js";
export { read, type ReadOptions, type ReadResult } from "./read.js";
export { writeRegion, type ChunkReceipt, type WriteData, type WriteOptions, type WriteReceipt } from "./write.js";
export { consolidate } from "./consolidated.js";
export { removeStaleTempFiles, type RemoveStaleTempFilesOptions, type StaleTempFiles } from "./stale-temp-files.js";
export type { CodecOption } from "./codec-option.js";
export type { InlineMode } from "./work-plan.js";
export type { ZarrArray, CodecSpec } from "./array.js";
export type { DType, Endian, TypedArray } from "./dtype.js";
export type { DimensionSelection, Selection } from "./selection.js";
export type { Store, StoreKey, StoreOptions, StoreSpec } from "./stores/types.js";
// For user tasks that work on chunks themselves: the same per-process cache the Zarr tasks use.
export { openStore } from "./stores/index.js";
export { chunkKey } from "./array.js";
export { registerCodec, type CodecFactory, type CodecLoader } from "./codecs/registry.js";
export {
  ArrayExistsError,
  ArrayNotFoundError,
  ChunkAlignmentError,
  DataMismatchError,
  MetadataError,
  ReadOnlyStoreError,
  SelectionError,
  StoreKeyError,
  UnknownCodecError,
  ZarrOptionError,
  ChunkSizeError,
  isChunkSizeError,
  ChunkDecodeError,
  isChunkDecodeError,
  ReadTooLargeError,
  isReadTooLargeError,
  StoreNotSharedError,
  isStoreNotSharedError,
  isArrayExistsError,
  isArrayNotFoundError,
  isChunkAlignmentError,
  isDataMismatchError,
  isMetadataError,
  isReadOnlyStoreError,
  isSelectionError,
  isStoreKeyError,
  isUnknownCodecError,
  isZarrOptionError,
} from "./errors.js";
export {
  HttpStoreError,
  S3StoreError,
  StoreDependencyError,
  StoreSpecError,
  StoreTimeoutError,
  FileStoreError,
  isFileStoreError,
  isHttpStoreError,
  isS3StoreError,
  isStoreDependencyError,
  isStoreSpecError,
  isStoreTimeoutError,
} from "./stores/errors.js";
