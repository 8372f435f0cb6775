/**
 * One h5wasm instance per worker (thread or process), started on the first
 * NETCDF4 file and kept: its WASM start-up is paid once, and it is imported
 * lazily, so a worker that reads only classic files never loads it.
 *
 * h5wasm 0.10.3 facts this package relies on (measured on Node 20, 2 cores):
 * - `import h5wasm from "h5wasm/node"` reads the real file system (NODERAWFS),
 *   so a file is opened by path, never copied into WASM memory whole.
 * - Start-up (import, `ready`, first open) ≈ 90 ms on an idle core, 400 ms
 *   on a loaded one; RSS grows by ≈ 35 MB.
 * - The API is synchronous: a read blocks its worker's event loop (not the
 *   caller's, on threads and processes).
 * - `slice()` reads into the WASM heap, then copies to a JS typed array: a
 *   read costs about twice the box while it runs (an 83 MB box of a zlib
 *   file: RSS 90 → 287 MB), and the WASM heap keeps its high-water mark
 *   (it never shrinks) until the worker exits. Size boxes for that.
 * - Values come back little-endian whatever the file's byte order (the memory
 *   type is the file type with its order set to little-endian).
 */
type H5wasm = (typeof import("h5wasm/node"))["default"];

let instance: Promise<H5wasm> | undefined;

export function h5wasm(): Promise<H5wasm> {
  instance ??= import("h5wasm/node").then(async (module) => {
    const wasm = await module.default.ready;
    // HDF5's default error handler prints its whole error stack to stderr
    // (HDF5-DIAG, a dozen lines per failed open); this one throws it instead,
    // so a corrupt file is one tagged error and nothing on stderr.
    wasm.activate_throwing_error_handler();
    return module.default;
  });
  instance.catch(() => (instance = undefined));
  return instance;
}

/** The innermost reason in an HDF5 error stack ("truncated file: eof = …"), or the message as it is. */
export function hdf5Reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reasons = [...message.matchAll(/ in [\w:]+\(\): (.+)$/gm)].map((m) => m[1]!.trim());
  return reasons.at(-1) ?? message.split("\n")[0]!;
}
