"""The Python peers of bench/speed.mjs: they build the stores and time dask and zarr-python.

Run by bench/speed.mjs with Debian's /usr/bin/python3 (python3-zarr 2.13,
python3-dask, python3-numpy; scripts/install-test-deps.sh installs them).
Every subcommand prints one JSON line last: {"ms", "cpu", "rss", "sha256"}: wall and
CPU time (all threads) of the timed call, peak RSS of the process in MB.

  build DIR DEPTH                the raw field (DIR/field.f32) and one store per codec, written by zarr-python
  read-dask STORE                dask.array.from_zarr(...).compute() on the threaded scheduler, 2 workers
  read-zarr STORE                zarr.open(STORE)[:] (zarr-python alone, one thread)
  write-dask RAW DEPTH CODEC OUT dask.array.from_array(field).to_zarr(OUT) with CODEC, 2 workers
  encode-alone RAW DEPTH CODEC   CODEC's encode alone on one thread, each chunk cut out of the field
  verify STORE                   sha256 of zarr.open(STORE)[:], to check a writer's output
"""
import hashlib
import json
import os
import resource
import shutil
import sys
import time

import numpy as np
import zarr
from numcodecs import GZip, Blosc, Zstd

CHUNKS = (16, 256, 256)
PLANE = (1024, 1024)


def compressor(codec):
    """The codecs of issue 14, as a zarr-python user spells them."""
    if codec == "zstd":
        return Zstd(level=3)
    if codec == "blosc":
        return Blosc(cname="zstd", clevel=3, shuffle=Blosc.SHUFFLE)
    if codec == "gzip":
        return GZip(level=1)
    raise SystemExit(f"unknown codec {codec!r}")


def field(z0, z1):
    """Planes [z0, z1): smooth in y and x, a trend in z, and about 8 bits of noise (as bench/zarr-common.mjs)."""
    y = np.arange(PLANE[0], dtype=np.float64)[:, None]
    x = np.arange(PLANE[1], dtype=np.float64)[None, :]
    rng = np.random.default_rng(12345 + z0)
    out = np.empty((z1 - z0,) + PLANE, dtype=np.float32)
    for z in range(z0, z1):
        noise = rng.integers(0, 256, size=PLANE, dtype=np.uint8).astype(np.float64) / 2560
        out[z - z0] = np.cos(y / 40) * 10 + z * 0.05 + np.sin(x / 50) * 10 + noise
    return out


def sha256(array):
    return hashlib.sha256(memoryview(np.ascontiguousarray(array)).cast("B")).hexdigest()


def peak_rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def cpu_ms():
    """CPU time of the whole process (every thread), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def report(ms, cpu=0, **extra):
    print(json.dumps({"ms": ms, "cpu": cpu, "rss": peak_rss_mb(), **extra}), flush=True)


def build(directory, depth):
    os.makedirs(directory, exist_ok=True)
    raw = os.path.join(directory, "field.f32")
    digest = hashlib.sha256()
    with open(raw + ".tmp", "wb") as f:
        for z in range(0, depth, 16):
            slab = field(z, z + 16)
            digest.update(memoryview(slab).cast("B"))
            f.write(slab.tobytes())
    os.replace(raw + ".tmp", raw)
    data = np.memmap(raw, dtype=np.float32, mode="r", shape=(depth,) + PLANE)
    for codec in ("zstd", "blosc", "gzip"):
        store = zarr.DirectoryStore(os.path.join(directory, f"{codec}.zarr"))
        array = zarr.open_array(store, mode="w", shape=data.shape, chunks=CHUNKS, dtype="<f4", compressor=compressor(codec))
        for z in range(0, depth, 16):
            array[z : z + 16] = data[z : z + 16]
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump({"depth": depth, "sha256": digest.hexdigest(), "zarr": zarr.__version__}, f)
    report(0, sha256=digest.hexdigest())


def read_dask(store):
    import dask
    import dask.array as da

    with dask.config.set(scheduler="threads", num_workers=2):
        array = da.from_zarr(store)
        array[:16, :256, :256].compute()  # import the codecs, start the pool
        c, t = cpu_ms(), time.perf_counter()
        data = array.compute()
        ms, cpu = (time.perf_counter() - t) * 1000, cpu_ms() - c
    report(ms, cpu, sha256=sha256(data))


def read_zarr(store):
    array = zarr.open_array(store, mode="r")
    array[:16, :256, :256]
    c, t = cpu_ms(), time.perf_counter()
    data = array[:]
    ms, cpu = (time.perf_counter() - t) * 1000, cpu_ms() - c
    report(ms, cpu, sha256=sha256(data))


def write_dask(raw, depth, codec, out):
    import dask
    import dask.array as da

    # The caller's data is in memory before the clock starts, as parazarr's is.
    data = np.fromfile(raw, dtype=np.float32).reshape((depth,) + PLANE)
    with dask.config.set(scheduler="threads", num_workers=2):
        # The warm-up, as every timed call has: the codec loaded, the pool started (8 chunks elsewhere).
        warm = out + ".warm-up"
        da.from_array(data[:16, :512], chunks=CHUNKS).to_zarr(warm, compressor=compressor(codec), overwrite=True)
        shutil.rmtree(warm)
        c, t = cpu_ms(), time.perf_counter()
        da.from_array(data, chunks=CHUNKS).to_zarr(out, compressor=compressor(codec), overwrite=True)
        ms, cpu = (time.perf_counter() - t) * 1000, cpu_ms() - c
    report(ms, cpu)


def encode_alone(raw, depth, codec):
    """dask's codec alone, one thread: each chunk cut out of the field and encoded (numcodecs, as zarr-python calls it)."""
    data = np.fromfile(raw, dtype=np.float32).reshape((depth,) + PLANE)
    codec_ = compressor(codec)
    codec_.encode(np.ascontiguousarray(data[: CHUNKS[0], : CHUNKS[1], : CHUNKS[2]]))
    c, t = cpu_ms(), time.perf_counter()
    for z in range(0, depth, CHUNKS[0]):
        for y in range(0, PLANE[0], CHUNKS[1]):
            for x in range(0, PLANE[1], CHUNKS[2]):
                codec_.encode(np.ascontiguousarray(data[z : z + CHUNKS[0], y : y + CHUNKS[1], x : x + CHUNKS[2]]))
    report((time.perf_counter() - t) * 1000, cpu_ms() - c)


def verify(store):
    report(0, sha256=sha256(zarr.open_array(store, mode="r")[:]))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "build":
        build(args[0], int(args[1]))
    elif command == "read-dask":
        read_dask(args[0])
    elif command == "read-zarr":
        read_zarr(args[0])
    elif command == "write-dask":
        write_dask(args[0], int(args[1]), args[2], args[3])
    elif command == "encode-alone":
        encode_alone(args[0], int(args[1]), args[2])
    elif command == "verify":
        verify(args[0])
    else:
        raise SystemExit(__doc__)
