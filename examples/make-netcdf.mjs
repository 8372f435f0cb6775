// A small demo collection of NetCDF-4 files, written with Node.js alone (h5wasm),
// so the conversion demo needs no Python and no netCDF-C:
//
//   node examples/make-netcdf.mjs DIR [--files 12] [--days 10] [--nlat 90] [--nlon 180]
//
// prints the files it wrote, one per line. Or, from code:
//   import { makeNetcdfCollection } from "./make-netcdf.mjs";
//   const files = await makeNetcdfCollection(dir, { files: 12, days: 10 });
//
// The files look like the test collections (test/fixtures/netcdf-collection.py):
// t2m(time, lat, lon) float32 with _FillValue NaN, sst(time, lat, lon) int16 packed
// with scale_factor/add_offset/_FillValue/missing_value, land_mask(lat, lon) int8,
// lat/lon with CF bounds, time as the unlimited dimension, its units alternating
// between two epochs as in real archives ("days since 2020-01-01" and
// "hours since 1990-01-01 00:00:00"), standard calendar.
//
// What makes an HDF5 file a NetCDF-4 file that ncdump and netCDF4-python read
// as one (h5wasm 0.10.3; checked against netCDF-C 4.9.0 and netCDF4-python 1.6.2):
//   - every dimension is a dimension scale (make_scale), attached to each variable
//     that uses it (attach_scale); a coordinate variable (lat) is its own scale;
//   - a dimension with no coordinate variable (bnds) is a scale dataset named for
//     the dimension whose NAME says "This is a netCDF dimension but not a netCDF
//     variable." — netCDF-C's own marker, without it ncdump lists a variable `bnds`;
//   - text attributes are fixed-length ASCII strings (NC_CHAR): h5wasm's default
//     for a JS string is a variable-length string, which netCDF-C reads as NC_STRING
//     (`string units = "K"` in ncdump -h) and some readers refuse;
//   - numeric attributes get an explicit dtype (a JS number would become int32 or float64);
//   - link creation order is tracked, so variables list in the order written;
//   - the unlimited time dimension is a chunked dataset with maxshape null.
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import h5wasm from "h5wasm/node";

const DEFAULTS = { files: 12, days: 10, nlat: 90, nlon: 180, start: "2020-01-01", seed: 1 };
const EPOCHS = [
  { units: "days since 2020-01-01", secondsPerUnit: 86400, epochMs: Date.UTC(2020, 0, 1), dtype: "<d", Array: Float64Array },
  { units: "hours since 1990-01-01 00:00:00", secondsPerUnit: 3600, epochMs: Date.UTC(1990, 0, 1), dtype: "<i", Array: Int32Array },
];
const SST = { scale: 0.001, offset: 290, fill: -32767 };
const NOT_A_VARIABLE = "This is a netCDF dimension but not a netCDF variable.";

/** Writes the collection into `dir` and returns the file paths in time order. */
export async function makeNetcdfCollection(dir, options = {}) {
  const o = { ...DEFAULTS, ...options };
  for (const key of ["files", "days", "nlat", "nlon"]) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new TypeError(`makeNetcdfCollection: ${key} must be a positive integer, got ${o[key]}`);
  }
  await h5wasm.ready;
  await mkdir(dir, { recursive: true });
  const grid = gridOf(o.nlat, o.nlon);
  const startMs = Date.parse(`${o.start}T00:00:00Z`);
  if (Number.isNaN(startMs)) throw new TypeError(`makeNetcdfCollection: start must be a date "YYYY-MM-DD", got ${o.start}`);
  const paths = [];
  for (let i = 0; i < o.files; i++) {
    const firstStep = i * o.days;
    const day = new Date(startMs + firstStep * 86400e3).toISOString().slice(0, 10).replaceAll("-", "");
    const path = join(resolve(dir), `demo_${day}.nc`);
    writeFile(path, o, grid, firstStep, startMs, EPOCHS[i % EPOCHS.length]);
    paths.push(path);
  }
  return paths;
}

function gridOf(nlat, nlon) {
  const dlat = 180 / nlat;
  const dlon = 360 / nlon;
  const lat = Float64Array.from({ length: nlat }, (_, j) => -90 + dlat * (j + 0.5));
  const lon = Float64Array.from({ length: nlon }, (_, k) => dlon * k);
  const latBnds = Float64Array.from({ length: 2 * nlat }, (_, n) => -90 + dlat * ((n >> 1) + (n & 1)));
  const lonBnds = Float64Array.from({ length: 2 * nlon }, (_, n) => dlon * ((n >> 1) + (n & 1) - 0.5));
  const land = new Int8Array(nlat * nlon);
  for (let j = 0; j < nlat; j++) {
    for (let k = 0; k < nlon; k++) {
      const [la, lo] = [lat[j], lon[k]];
      land[j * nlon + k] = (lo > 20 && lo < 60 && la > -30 && la < 40) || (lo > 240 && lo < 290 && la > 0) || la < -70 ? 1 : 0;
    }
  }
  return { nlat, nlon, lat, lon, latBnds, lonBnds, land };
}

function writeFile(path, o, grid, firstStep, startMs, epoch) {
  const { nlat, nlon } = grid;
  const nt = o.days;
  const file = new h5wasm.File(path, "w", { track_order: true });
  try {
    text(file, { Conventions: "CF-1.8", title: "parazarr demo collection", institution: "parazarr examples", source: "examples/make-netcdf.mjs (synthetic, seeded)" });

    const time = file.create_dataset({ name: "time", data: timeValues(firstStep, nt, startMs, epoch), shape: [nt], maxshape: [null], chunks: [Math.max(nt, 16)], dtype: epoch.dtype, track_order: true });
    time.make_scale("time");
    text(time, { standard_name: "time", long_name: "time", axis: "T", units: epoch.units, calendar: "standard" });

    const axes = [
      ["lat", grid.lat, grid.latBnds, "degrees_north", "Y", nlat, "latitude"],
      ["lon", grid.lon, grid.lonBnds, "degrees_east", "X", nlon, "longitude"],
    ];
    for (const [name, values, , units, axis, n, standardName] of axes) {
      const coord = file.create_dataset({ name, data: values, shape: [n], dtype: "<d", track_order: true });
      coord.make_scale(name);
      text(coord, { standard_name: standardName, long_name: standardName, units, axis, bounds: `${name}_bnds` });
    }
    const bnds = file.create_dataset({ name: "bnds", data: new Float32Array(2), shape: [2], dtype: "<f" });
    bnds.make_scale(`${NOT_A_VARIABLE}         2`);
    for (const [name, , bounds, , , n] of axes) {
      attach(file.create_dataset({ name: `${name}_bnds`, data: bounds, shape: [n, 2], dtype: "<d" }), [name, "bnds"]);
    }

    const mask = file.create_dataset({ name: "land_mask", data: grid.land, shape: [nlat, nlon], dtype: "<b", track_order: true });
    attach(mask, ["lat", "lon"]);
    text(mask, { long_name: "land-sea mask", flag_meanings: "sea land" });
    mask.create_attribute("flag_values", new Int8Array([0, 1]), [2], "<b");

    const { t2m, sst } = fieldsOf(o, grid, firstStep, nt);
    const chunked = { shape: [nt, nlat, nlon], maxshape: [null, nlat, nlon], chunks: [1, nlat, nlon], compression: "gzip", compression_opts: 4, track_order: true };
    const t = file.create_dataset({ name: "t2m", data: t2m, dtype: "<f", ...chunked });
    attach(t, ["time", "lat", "lon"]);
    t.create_attribute("_FillValue", new Float32Array([Number.NaN]), [1], "<f");
    text(t, { standard_name: "air_temperature", long_name: "2 metre temperature", units: "K" });

    const s = file.create_dataset({ name: "sst", data: sst, dtype: "<h", ...chunked });
    attach(s, ["time", "lat", "lon"]);
    s.create_attribute("_FillValue", new Int16Array([SST.fill]), [1], "<h");
    text(s, { standard_name: "sea_surface_temperature", long_name: "Sea surface temperature", units: "K" });
    s.create_attribute("scale_factor", new Float64Array([SST.scale]), [1], "<d");
    s.create_attribute("add_offset", new Float64Array([SST.offset]), [1], "<d");
    s.create_attribute("missing_value", new Int16Array([SST.fill]), [1], "<h");
  } finally {
    file.close();
  }
}

/** Fixed-length ASCII (NC_CHAR) attributes; see the header for why not h5wasm's default. */
function text(entity, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    entity.create_attribute(name, value, null, `A${Math.max(Buffer.byteLength(value), 1)}`);
  }
}

function attach(dataset, dimensions) {
  dimensions.forEach((dimension, index) => dataset.attach_scale(index, `/${dimension}`));
}

function timeValues(firstStep, nt, startMs, epoch) {
  return epoch.Array.from({ length: nt }, (_, j) => (startMs + (firstStep + j) * 86400e3 - epoch.epochMs) / 1000 / epoch.secondsPerUnit);
}

/** Smooth seasonal fields plus seeded noise; values depend on the global day only, not on the file split. */
function fieldsOf(o, grid, firstStep, nt) {
  const { nlat, nlon, lat, lon, land } = grid;
  const t2m = new Float32Array(nt * nlat * nlon);
  const sst = new Int16Array(nt * nlat * nlon);
  for (let j = 0; j < nt; j++) {
    const day = firstStep + j;
    const season = Math.sin((2 * Math.PI * day) / 365);
    let rng = mulberry32(o.seed * 100003 + day);
    for (let y = 0; y < nlat; y++) {
      const la = (lat[y] * Math.PI) / 180;
      for (let x = 0; x < nlon; x++) {
        const lo = (lon[x] * Math.PI) / 180;
        const i = (j * nlat + y) * nlon + x;
        const noise = rng() - 0.5;
        const gone = rng() < 0.01;
        t2m[i] = gone ? Number.NaN : 288 - 30 * Math.sin(la) ** 2 + 8 * season * Math.sin(la) + 3 * Math.cos(3 * lo + day / 10) + noise;
        const sea = 286 + 12 * Math.cos(la) + 2 * season * Math.sin(la) + Math.sin(2 * lo - day / 7) + noise / 10;
        sst[i] = land[y * nlon + x] === 1 || gone ? SST.fill : Math.round((sea - SST.offset) / SST.scale);
      }
    }
  }
  return { t2m, sst };
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function parseArgs(argv) {
  const [dir, ...rest] = argv;
  if (!dir || dir.startsWith("--")) throw new TypeError("usage: node examples/make-netcdf.mjs DIR [--files 12] [--days 10] [--nlat 90] [--nlon 180]");
  const options = {};
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]?.replace(/^--/, "");
    if (!(key in DEFAULTS)) throw new TypeError(`unknown option ${rest[i]}; allowed: ${Object.keys(DEFAULTS).map((k) => `--${k}`).join(" ")}`);
    options[key] = key === "start" ? rest[i + 1] : Number(rest[i + 1]);
  }
  return { dir, options };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, options } = parseArgs(process.argv.slice(2));
  for (const path of await makeNetcdfCollection(dir, options)) console.log(path);
}
