/** A NETCDF4 (HDF5) file as a SourceFile, through h5wasm (see structure.ts for how netCDF-4 maps onto HDF5). */
import type { SourceFile, SourceIdentity, SourceVariable, TypedArray } from "@parazarr/core";
import type { Dataset, Group } from "h5wasm/node";
import { boxShape, checkBox, elementCount, variableToRead } from "../box.js";
import { NetcdfFormatError, NetcdfSourceError } from "../errors.js";
import { userAttributes } from "./attributes.js";
import { h5wasm, hdf5Reason } from "./h5wasm.js";
import { readStructure } from "./structure.js";

export interface LocalHdf5 {
  readonly url: string;
  readonly file: string;
  readonly path: string;
  readonly identity: SourceIdentity;
  readonly release: () => Promise<void>;
}

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
  const { datasets, dimensions, variables, skipped } = readStructure(root, h5);
  let closed: Promise<void> | undefined;
  return {
    url: local.url,
    kind: "netcdf4",
    identity: local.identity,
    dimensions,
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
