/**
 * The netCDF-4 model read back from HDF5's: netCDF-C stores every dimension
 * as a dimension-scale dataset in its group (the coordinate variable
 * itself, or, for a dimension without one, a dataset whose NAME starts
 * "This is a netCDF dimension but not a netCDF variable" — a dimension,
 * not a variable); each variable lists its scales in DIMENSION_LIST;
 * `_Netcdf4Dimid` orders the dimensions and `_Netcdf4Coordinates` gives the
 * dimensions of a multi-dimensional coordinate variable (whose name is one
 * of them). Only the root group is read: a sub-group is listed in
 * `skipped` with that reason.
 */
import type { DType, SourceVariable } from "@parazarr/core";
import type { Dataset, Group } from "h5wasm/node";
import { attributeTable, userAttributes } from "./attributes.js";

export interface Hdf5Structure {
  readonly datasets: ReadonlyMap<string, Dataset>;
  readonly dimensions: Record<string, number>;
  readonly variables: Record<string, SourceVariable>;
  readonly skipped: Record<string, string>;
}

type H5Classes = { readonly Dataset: typeof Dataset; readonly Group: typeof Group };

const DIMENSION_ONLY = "This is a netCDF dimension but not a netCDF variable";

// HDF5's type classes (H5T_class_t).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const CLASS_NAMES: Record<number, string> = { 2: "time", 3: "string (NC_STRING or NC_CHAR)", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 8: "enum", 9: "variable-length", 10: "array" };

const textAttribute = (d: Dataset, name: string): string | undefined => {
  const value = attributeTable(d).value(name);
  return typeof value === "string" ? value : undefined;
};

const numbersAttribute = (d: Dataset, name: string): number[] | undefined => {
  const value = attributeTable(d).value(name);
  if (value === undefined) return undefined;
  if (typeof value === "number" || typeof value === "bigint") return [Number(value)];
  return ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number | bigint>, Number) : undefined;
};

export function readStructure(root: Group, h5: H5Classes): Hdf5Structure {
  const skipped: Record<string, string> = {};
  const datasets = rootDatasets(root, h5, skipped);
  const { lengths, byId } = dimensionScales(datasets);
  const variables: Record<string, SourceVariable> = {};
  const phony = phonyDimensions();
  for (const [name, d] of datasets) {
    if (textAttribute(d, "CLASS") === "DIMENSION_SCALE" && (textAttribute(d, "NAME") ?? "").startsWith(DIMENSION_ONLY)) continue;
    const dtype = dtypeOf(d.metadata);
    const shape = d.metadata.shape;
    if (typeof dtype !== "string" || shape === null) {
      skipped[name] = typeof dtype !== "string" ? dtype.reason : "an HDF5 null dataspace (no values)";
      continue;
    }
    const dimensions = dimensionsOf(name, d, shape, lengths.has(name), byId).map((dim, axis) => dim ?? phony(shape[axis]!));
    // An unlimited dimension is as long as its longest variable (netCDF-C's rule), which may outgrow its scale.
    dimensions.forEach((dim, axis) => lengths.set(dim, Math.max(lengths.get(dim) ?? 0, shape[axis]!)));
    variables[name] = { name, dimensions, shape, dtype, attributes: userAttributes(d) };
  }
  return { datasets, dimensions: Object.fromEntries(lengths), variables, skipped };
}

function rootDatasets(root: Group, h5: H5Classes, skipped: Record<string, string>): Map<string, Dataset> {
  const datasets = new Map<string, Dataset>();
  for (const name of root.keys()) {
    const entity = root.get(name);
    if (entity instanceof h5.Dataset) datasets.set(name, entity);
    else if (entity instanceof h5.Group) skipped[name] = "a sub-group: only the root group's variables are read";
    else skipped[name] = "not a dataset (a link or a named type)";
  }
  return datasets;
}

/** The root group's dimension scales, in _Netcdf4Dimid order: name → length, and id → name. */
function dimensionScales(datasets: ReadonlyMap<string, Dataset>): { lengths: Map<string, number>; byId: Map<number, string> } {
  const scales = [...datasets].filter(([, d]) => textAttribute(d, "CLASS") === "DIMENSION_SCALE");
  const dimid = (d: Dataset) => numbersAttribute(d, "_Netcdf4Dimid")?.[0] ?? Number.MAX_SAFE_INTEGER;
  scales.sort(([, a], [, b]) => dimid(a) - dimid(b));
  return {
    lengths: new Map(scales.map(([name, d]) => [name, d.shape?.[0] ?? 0])),
    byId: new Map(scales.map(([name, d]) => [dimid(d), name])),
  };
}

/** Plain HDF5 without netCDF dimensions: netCDF-C's phony_dim_N, one per distinct length. */
function phonyDimensions(): (length: number) => string {
  const names = new Map<number, string>();
  return (length) => {
    let name = names.get(length);
    if (name === undefined) names.set(length, (name = `phony_dim_${names.size}`));
    return name;
  };
}

function dimensionsOf(name: string, d: Dataset, shape: readonly number[], isScale: boolean, byId: Map<number, string>): (string | undefined)[] {
  const coordinates = numbersAttribute(d, "_Netcdf4Coordinates");
  if (coordinates !== undefined && coordinates.length === shape.length && coordinates.every((id) => byId.has(id))) {
    return coordinates.map((id) => byId.get(id));
  }
  if (isScale && shape.length === 1) return [name];
  return shape.map((_, axis) => {
    const attached = attributeTable(d).names.includes("DIMENSION_LIST") ? d.get_attached_scales(axis) : [];
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
