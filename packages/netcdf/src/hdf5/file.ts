/**
 * A NETCDF4 (HDF5) file as a SourceFile, through h5wasm. netCDF-4 maps its
 * model onto HDF5 with dimension scales: every dimension is a scale dataset
 * in the group (the coordinate variable itself, or, for a dimension without
 * one, a dataset whose NAME starts "This is a netCDF dimension but not a
 * netCDF variable" — a dimension, not a variable); each variable lists its
 * scales in DIMENSION_LIST; `_Netcdf4Dimid` orders the dimensions and
 * `_Netcdf4Coordinates` gives the dimensions of a multi-dimensional
 * coordinate variable (whose name is one of them). Only the root group is
 * read: a sub-group appears in `skipped` with that reason.
 */
import type { DType, SourceFile, SourceIdentity, SourceVariable, TypedArray } from "@parazarr/core";
import type { Dataset, Group } from "h5wasm/node";
import { boxShape, checkBox, elementCount, variableToRead } from "../box.js";
import { NetcdfFormatError, NetcdfSourceError } from "../errors.js";
import { userAttributes } from "./attributes.js";
import { h5wasm, hdf5Reason } from "./h5wasm.js";

export interface LocalHdf5 {
  readonly url: string;
  readonly file: string;
  readonly path: string;
  readonly identity: SourceIdentity;
  readonly release: () => Promise<void>;
}

const DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable";

// HDF5's type classes (H5T_class_t).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const CLASS_NAMES: Record<number, string> = { 2: "time", 3: "string (NC_STRING or NC_CHAR)", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 9: "variable-length", 10: "array" };

const textAttribute = (d: Dataset, name: string): string | undefined => {
  const a = d.attrs[name];
  if (a === undefined) return undefined;
  const value = a.value;
  return typeof value === "string" ? value : undefined;
};

const numbersAttribute = (d: Dataset, name: string): number[] | undefined => {
  const a = d.attrs[name];
  if (a === undefined) return undefined;
  const value = a.value;
  if (typeof value === "number" || typeof value === "bigint") return [Number(value)];
  return ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number | bigint>, Number) : undefined;
};

export async function openHdf5(local: LocalHdf5): Promise<SourceFile> {
  const h5 = await h5wasm();
  const { file } = local;
  let handle;
  try {
    handle = new h5.File(local.path, "r");
  } catch (cause) {
    await local.release();
    throw new NetcdfFormatError(file, `corrupt or truncated HDF5 file (HDF5: ${hdf5Reason(cause)})`);
  }
  try {
    return describe(local, handle, h5);
  } catch (error) {
    handle.close();
    await local.release();
    if ((error as { _tag?: unknown })._tag !== undefined) throw error;
    throw new NetcdfFormatError(file, `corrupt or truncated HDF5 file (HDF5: ${hdf5Reason(error)})`);
  }
}

function describe(local: LocalHdf5, root: Group & { close(): unknown }, h5: { Dataset: typeof Dataset; Group: typeof Group }): SourceFile {
  const { file } = local;
  const datasets = new Map<string, Dataset>();
  const skipped: Record<string, string> = {};
  for (const name of root.keys()) {
    const entity = root.get(name);
    if (entity instanceof h5.Dataset) datasets.set(name, entity);
    else if (entity instanceof h5.Group) skipped[name] = "a sub-group: only the root group's variables are read";
    else skipped[name] = "not a dataset (a link or a named type)";
  }

  // Dimensions: the root group's scale datasets, in _Netcdf4Dimid order.
  const scales = [...datasets].filter(([, d]) => textAttribute(d, "CLASS") === "DIMENSION_SCALE");
  const dimid = (d: Dataset) => numbersAttribute(d, "_Netcdf4Dimid")?.[0] ?? Number.MAX_SAFE_INTEGER;
  scales.sort(([, a], [, b]) => dimid(a) - dimid(b));
  const lengths = new Map<string, number>(scales.map(([name, d]) => [name, d.shape?.[0] ?? 0]));
  const byId = new Map<number, string>(scales.map(([name, d]) => [dimid(d), name]));

  const variables: Record<string, SourceVariable> = {};
  let phony = 0;
  const phonyDims = new Map<number, string>();
  for (const [name, d] of datasets) {
    if (textAttribute(d, "CLASS") === "DIMENSION_SCALE" && (textAttribute(d, "NAME") ?? "").startsWith(DIMENSION_ONLY)) continue;
    const metadata = d.metadata;
    const dtype = dtypeOf(metadata);
    if (typeof dtype !== "string") {
      skipped[name] = dtype.reason;
      continue;
    }
    const shape = metadata.shape;
    if (shape === null) {
      skipped[name] = "an HDF5 null dataspace (no values)";
      continue;
    }
    const dims = dimensionsOf(name, d, shape, lengths.has(name), byId);
    const dimensions = dims.map((dim, axis) => {
      if (dim !== undefined) return dim;
      // Plain HDF5 without netCDF dimensions: netCDF-C's phony_dim_N, one per distinct length.
      const length = shape[axis]!;
      let phonyName = phonyDims.get(length);
      if (phonyName === undefined) phonyDims.set(length, (phonyName = `phony_dim_${phony++}`));
      return phonyName;
    });
    dimensions.forEach((dim, axis) => lengths.set(dim, Math.max(lengths.get(dim) ?? 0, shape[axis]!)));
    variables[name] = { name, dimensions, shape, dtype, attributes: userAttributes(d) };
  }

  let closed: Promise<void> | undefined;
  return {
    url: local.url,
    kind: "netcdf4",
    identity: local.identity,
    dimensions: Object.fromEntries(lengths),
    variables,
    skipped,
    attributes: userAttributes(root),
    async read(name, box, options) {
      const variable = variableToRead(file, variables, skipped, name);
      checkBox(file, variable, box);
      if (closed !== undefined) throw new NetcdfSourceError(file, "read after close()");
      options?.signal?.throwIfAborted();
      try {
        return readBox(datasets.get(name)!, variable, box);
      } catch (error) {
        // A chunk that does not inflate, a file cut short after it was opened.
        throw new NetcdfFormatError(file, `variable ${JSON.stringify(name)}, box ${JSON.stringify(box)}: cannot be read (HDF5: ${hdf5Reason(error)})`);
      }
    },
    close() {
      closed ??= (async () => {
        root.close();
        await local.release();
      })();
      return closed;
    },
  };
}

function dimensionsOf(name: string, d: Dataset, shape: readonly number[], isScale: boolean, byId: Map<number, string>): (string | undefined)[] {
  const coordinates = numbersAttribute(d, "_Netcdf4Coordinates");
  if (coordinates !== undefined && coordinates.length === shape.length && coordinates.every((id) => byId.has(id))) {
    return coordinates.map((id) => byId.get(id));
  }
  if (isScale && shape.length === 1) return [name];
  return shape.map((_, axis) => {
    const attached = d.attrs.DIMENSION_LIST === undefined ? [] : d.get_attached_scales(axis);
    const path = attached[0];
    return path === undefined ? undefined : path.slice(path.lastIndexOf("/") + 1);
  });
}

type Metadata = Dataset["metadata"];

function dtypeOf(metadata: Metadata): DType | { reason: string } {
  const { type, size, signed } = metadata;
  if (type === H5T_INTEGER && [1, 2, 4, 8].includes(size)) {
    return `${signed ? "int" : "uint"}${size * 8}` as DType;
  }
  if (type === H5T_FLOAT && (size === 4 || size === 8)) return `float${size * 8}` as DType;
  if (type === H5T_FLOAT) return { reason: `a ${size * 8}-bit float has no Zarr numeric dtype here` };
  return { reason: `HDF5 ${CLASS_NAMES[type] ?? `class ${type}`} type has no Zarr numeric dtype` };
}

const CONSTRUCTORS = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  float32: Float32Array, float64: Float64Array,
} as const;

function readBox(d: Dataset, variable: SourceVariable, box: readonly (readonly [number, number])[]): TypedArray {
  const Ctor = CONSTRUCTORS[variable.dtype];
  if (elementCount(boxShape(box)) === 0) return new Ctor(0);
  // A scalar's value comes back as a plain number (or bigint), not an array.
  const values = variable.shape.length === 0 ? scalarArray(Ctor, d.value) : d.slice(box.map(([start, stop]) => [start, stop]));
  if (!(values instanceof Ctor)) {
    throw new Error(`h5wasm returned ${Object.prototype.toString.call(values)} for a ${variable.dtype} variable`);
  }
  return values;
}

function scalarArray(Ctor: (typeof CONSTRUCTORS)[keyof typeof CONSTRUCTORS], value: unknown): unknown {
  if (typeof value !== "number" && typeof value !== "bigint") return value;
  const out = new Ctor(1);
  (out as unknown as (number | bigint)[])[0] = value;
  return out;
}
