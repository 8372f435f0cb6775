/**
 * The header of a classic (CDF-1) or 64-bit offset (CDF-2) file, as the
 * NetCDF Classic Format Specification lays it out:
 *
 *     magic numrecs dim_list gatt_list var_list
 *
 * where numrecs may be STREAMING (0xFFFFFFFF: a writer that never came back
 * to update it; the count is then what the file's size holds), each list is
 * ABSENT (two zero words) or a tag and a count, and a variable ends with
 * its type, a vsize we do not trust (it is 2^32 - 1 for a variable over
 * 4 GiB) and its `begin` offset (4 bytes in CDF-1, 8 in CDF-2).
 */
import type { AttributeValue } from "@parazarr/core";
import { NetcdfFormatError } from "../errors.js";
import type { HeaderReader } from "./header-reader.js";
import { NC_CHAR, classicType, decodeNumbers } from "./types.js";

const NC_DIMENSION = 0x0a;
const NC_VARIABLE = 0x0b;
const NC_ATTRIBUTE = 0x0c;
const STREAMING = 0xffffffff;

export interface ClassicDimension {
  readonly name: string;
  /** 0 for the unlimited (record) dimension. */
  readonly length: number;
}

export interface ClassicVariable {
  readonly name: string;
  readonly dimids: readonly number[];
  readonly attributes: Record<string, AttributeValue>;
  readonly type: number;
  readonly begin: number;
}

export interface ClassicHeader {
  readonly version: 1 | 2;
  /** undefined when the file says STREAMING. */
  readonly numrecs: number | undefined;
  readonly dimensions: readonly ClassicDimension[];
  readonly attributes: Record<string, AttributeValue>;
  readonly variables: readonly ClassicVariable[];
}

export async function readHeader(reader: HeaderReader, version: 1 | 2, file: string): Promise<ClassicHeader> {
  reader.offset = 4;
  const rawNumrecs = await reader.uint32("numrecs");
  const dimensions = await list(reader, NC_DIMENSION, "dimensions", file, async () => ({
    name: await reader.name("a dimension"),
    length: await reader.uint32("a dimension's length"),
  }));
  const attributes = await readAttributes(reader, "global attributes", file);
  const variables = await list(reader, NC_VARIABLE, "variables", file, () => readVariable(reader, version, file));
  return { version, numrecs: rawNumrecs === STREAMING ? undefined : rawNumrecs, dimensions, attributes, variables };
}

async function list<T>(reader: HeaderReader, tag: number, what: string, file: string, item: () => Promise<T>): Promise<T[]> {
  const at = reader.offset;
  const found = await reader.uint32(`the tag of the ${what}`);
  // Every element takes at least 8 bytes (a name's length and one more word).
  const n = await reader.count(8, what);
  if (found === 0 && n === 0) return [];
  if (found !== tag) throw new NetcdfFormatError(file, `corrupt header: expected the ${what} list (tag ${tag}) at byte ${at}, found ${found}`);
  const items: T[] = [];
  for (let i = 0; i < n; i++) items.push(await item());
  return items;
}

async function readAttributes(reader: HeaderReader, what: string, file: string): Promise<Record<string, AttributeValue>> {
  const attributes: Record<string, AttributeValue> = {};
  const entries = await list(reader, NC_ATTRIBUTE, what, file, async () => {
    const name = await reader.name(`one of the ${what}`);
    const code = await reader.uint32(`the type of attribute ${name}`);
    const type = classicType(code);
    if (type === undefined) throw new NetcdfFormatError(file, `corrupt header: attribute ${JSON.stringify(name)} has type ${code}, not one of the six classic types`);
    const n = await reader.count(type.size, `values of attribute ${name}`);
    const bytes = await reader.padded(n * type.size, `the values of attribute ${name}`);
    return [name, attributeValue(code, bytes, n)] as const;
  });
  for (const [name, value] of entries) attributes[name] = value;
  return attributes;
}

/** NC_CHAR is text (the C library pads it with NULs, which are not part of it); a number alone is a number. */
function attributeValue(code: number, bytes: Buffer, n: number): AttributeValue {
  if (code === NC_CHAR) return bytes.toString("utf8").replace(/\0+$/, "");
  const values = decodeNumbers(code, bytes, n);
  return values.length === 1 ? values[0]! : values;
}

async function readVariable(reader: HeaderReader, version: 1 | 2, file: string): Promise<ClassicVariable> {
  const name = await reader.name("a variable");
  const ndims = await reader.count(4, `dimensions of variable ${name}`);
  const dimids: number[] = [];
  for (let i = 0; i < ndims; i++) dimids.push(await reader.uint32(`a dimension id of variable ${name}`));
  const attributes = await readAttributes(reader, `attributes of variable ${name}`, file);
  const type = await reader.uint32(`the type of variable ${name}`);
  await reader.uint32(`the vsize of variable ${name}`);
  const begin = version === 1 ? await reader.uint32(`the begin offset of variable ${name}`) : await reader.uint64(`the begin offset of variable ${name}`);
  return { name, dimids, attributes, type, begin };
}
