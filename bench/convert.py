"""The xarray side of bench/convert.mjs: the conversion as xarray users write it.

  /usr/bin/python3 bench/convert.py FILES_JSON OUT CHUNKS_JSON
    FILES_JSON   a JSON file holding the list of input NetCDF paths
    OUT          the Zarr v2 archive to write (replaced)
    CHUNKS_JSON  the archive's chunks, e.g. {"time": 8, "lat": 361, "lon": 720}

`open_mfdataset(files, parallel=True)` then `to_zarr`, with dask's threaded
scheduler on 2 workers (Debian python3-dask 2022.12, python3-xarray 2023.01).
Prints one JSON line: {"seconds", "vmhwmKiB", "compressor", "openAttempts"}; the parent also
polls this process' VmHWM and the output directory (time to first chunk).
"""
import json
import sys
import time

import dask
import xarray as xr


def vmhwm_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def open_collection(files, tries=3):
    """open_mfdataset(parallel=True), retried on netCDF4-python's thread-safety flake.

    netCDF4-python >= 1.6.1 (1.6.2 here) no longer serialises netCDF-C calls, and
    parallel=True opens files on dask threads: the first open fails now and then with
    "NetCDF: Unknown file format" / "HDF error" / "Not a valid ID" (pydata/xarray#7079,
    seen here in 1 of the first 2 runs), and succeeds when tried again — what users do.
    The retries are timed with the run and counted in its report.
    """
    for attempt in range(1, tries + 1):
        try:
            # data_vars/coords "minimal" + compat "override": the static variables and
            # bounds are taken from the first file instead of stacked along time, which
            # is how such collections are opened (and the fast path of open_mfdataset).
            ds = xr.open_mfdataset(files, parallel=True, combine="by_coords", data_vars="minimal",
                                   coords="minimal", compat="override", join="exact")
            return ds, attempt
        except (OSError, RuntimeError) as e:
            flake = any(s in str(e) for s in ("Unknown file format", "HDF error", "Not a valid ID"))
            if not flake or attempt == tries:
                raise
            print(f"open_mfdataset attempt {attempt} failed ({e}); trying again", file=sys.stderr)


def main():
    files_json, out, chunks_json = sys.argv[1:4]
    with open(files_json) as f:
        files = json.load(f)
    chunks = json.loads(chunks_json)
    start = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=2):
        ds, attempts = open_collection(files)
        ds = ds.chunk({dim: n for dim, n in chunks.items() if dim in ds.dims})
        for var in ds.variables.values():
            # Each file's netCDF chunking would be taken as the Zarr chunking and refused
            # ("uniform chunk sizes"); the dask chunks above decide instead.
            var.encoding.pop("chunks", None)
            var.encoding.pop("preferred_chunks", None)
        ds.to_zarr(out, mode="w", consolidated=True)
    seconds = time.perf_counter() - start
    import zarr
    compressor = zarr.open_group(out, mode="r")["t2m"].compressor
    print(json.dumps({"seconds": seconds, "vmhwmKiB": vmhwm_kib(), "compressor": repr(compressor), "openAttempts": attempts}))


if __name__ == "__main__":
    main()
