/**
 * Where each variable's values lie in a classic file. A fixed variable is
 * one C-order block at `begin`. Record variables are interleaved: record r
 * of every record variable sits in the r-th record, `recsize` bytes apart,
 * each record variable's slice padded to 4 bytes, except that a file with
 * exactly one record variable packs its records without padding (netCDF-C's
 * NC_computeshapes: when recsize equals the first record variable's padded
 * size, it becomes the unpadded one). A byte or short record variable alone
 * in a file would otherwise be read at the wrong offsets from record 1 on.
 */
import type { DType, SourceVariable } from "@parazarr/core";
import { NetcdfFormatError } from "../errors.js";
import type { ClassicHeader, ClassicVariable } from "./header.js";
import { classicType } from "./types.js";

export interface VariableLayout {
  readonly name: string;
  readonly dtype: DType;
  readonly itemSize: number;
  readonly begin: number;
  readonly shape: readonly number[];
  /** Bytes from one index to the next along each dimension (recsize along the record dimension). */
  readonly strides: readonly number[];
}

export interface ClassicLayout {
  readonly dimensions: Record<string, number>;
  readonly numrecs: number;
  readonly variables: Record<string, SourceVariable>;
  readonly layouts: Record<string, VariableLayout>;
  readonly skipped: Record<string, string>;
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

export function layoutOf(header: ClassicHeader, fileSize: number, file: string): ClassicLayout {
  const recordDim = header.dimensions.findIndex((d) => d.length === 0);
  const isRecord = (v: ClassicVariable) => recordDim >= 0 && v.dimids[0] === recordDim;
  for (const v of header.variables) checkVariable(header, v, recordDim, file);

  const sliceBytes = (v: ClassicVariable) =>
    v.dimids.slice(isRecord(v) ? 1 : 0).reduce((n, id) => n * header.dimensions[id]!.length, 1) * classicType(v.type)!.size;
  const records = header.variables.filter(isRecord);
  let recsize = records.reduce((n, v) => n + roundUp4(sliceBytes(v)), 0);
  if (records.length > 0 && recsize === roundUp4(sliceBytes(records[0]!))) recsize = sliceBytes(records[0]!);
  const beginRec = records.length > 0 ? Math.min(...records.map((v) => v.begin)) : fileSize;
  // STREAMING: as many whole records as the file holds.
  const numrecs = header.numrecs ?? (recsize > 0 ? Math.floor(Math.max(0, fileSize - beginRec) / recsize) : 0);

  const dimensions: Record<string, number> = {};
  header.dimensions.forEach((d, i) => (dimensions[d.name] = i === recordDim ? numrecs : d.length));
  const out: ClassicLayout = { dimensions, numrecs, variables: {}, layouts: {}, skipped: {} };
  for (const v of header.variables) {
    const type = classicType(v.type)!;
    if (type.dtype === undefined) {
      out.skipped[v.name] = `${type.name} (text) has no Zarr numeric dtype`;
      continue;
    }
    const shape = v.dimids.map((id) => (id === recordDim ? numrecs : header.dimensions[id]!.length));
    const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((n, len) => n * len, type.size));
    if (isRecord(v)) strides[0] = recsize;
    const layout: VariableLayout = { name: v.name, dtype: type.dtype, itemSize: type.size, begin: v.begin, shape, strides };
    checkFits(layout, sliceBytes(v), isRecord(v), fileSize, file);
    out.layouts[v.name] = layout;
    out.variables[v.name] = {
      name: v.name,
      dimensions: v.dimids.map((id) => header.dimensions[id]!.name),
      shape,
      dtype: type.dtype,
      attributes: v.attributes,
    };
  }
  return out;
}

function checkVariable(header: ClassicHeader, v: ClassicVariable, recordDim: number, file: string): void {
  const corrupt = (why: string) => new NetcdfFormatError(file, `corrupt header: variable ${JSON.stringify(v.name)} ${why}`);
  if (classicType(v.type) === undefined) throw corrupt(`has type ${v.type}, not one of the six classic types`);
  v.dimids.forEach((id, axis) => {
    if (id >= header.dimensions.length) throw corrupt(`names dimension id ${id}, but the file has ${header.dimensions.length}`);
    if (id === recordDim && axis > 0) throw corrupt(`has the unlimited dimension at position ${axis}, only the first may be`);
  });
}

/** A data section cut short would read as garbage or zeros: refused when the file is opened. */
function checkFits(layout: VariableLayout, sliceBytes: number, record: boolean, fileSize: number, file: string): void {
  const records = record ? layout.shape[0]! : 1;
  if (records === 0 || sliceBytes === 0) return;
  const end = layout.begin + (record ? (records - 1) * layout.strides[0]! : 0) + sliceBytes;
  if (end > fileSize) {
    throw new NetcdfFormatError(file, `truncated: variable ${JSON.stringify(layout.name)} ends at byte ${end}, but the file has ${fileSize} bytes`);
  }
}
