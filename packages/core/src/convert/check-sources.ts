/**
 * Every source checked against the template before the first chunk is
 * written: its variables (present, same dimensions, same shape but along
 * time), its static variables and coordinates (lat, lon, bounds: equal to
 * the template's, found by digest and named by value when they differ),
 * its calendar and place on the time axis, and its packing (copied as is,
 * re-encoded, or refused). The result says, per source and variable, how a
 * task turns the source's values into the archive's.
 */
import type { ArchiveModel, ArchiveVariable } from "./archive-model.js";
import type { ArchiveTime, Placement } from "./archive-time.js";
import { placeSource } from "./archive-time.js";
import { parseTimeUnits } from "./cf-time.js";
import type { Transform } from "./convert-task.js";
import { describePacking, packingOf, samePacking } from "./packing.js";
import { checkCoordinatesMatch } from "./regions.js";
import type { ScannedSource } from "./scan.js";
import { openCachedSource } from "./source-cache.js";
import { PackingMismatchError, SourceMismatchError } from "./workflow-errors.js";

export interface CheckedSource {
  readonly placement: Placement;
  /** Data variable name → how its values are turned into the archive's. */
  readonly transforms: Readonly<Record<string, Transform>>;
}

/** The template's values of a static variable, to name the first difference when a source's digest differs. */
export type ExpectedValues = (name: string) => Promise<ArrayLike<number>>;

export async function checkSources(
  model: ArchiveModel,
  time: ArchiveTime,
  expected: ExpectedValues,
  scans: readonly ScannedSource[],
  repackMode: "auto" | "refuse",
): Promise<CheckedSource[]> {
  const checked: CheckedSource[] = [];
  for (const scan of scans) {
    await checkStatics(model, expected, scan);
    const transforms: Record<string, Transform> = {};
    for (const variable of model.variables) {
      if (variable.role !== "data") continue;
      transforms[variable.name] = transformFor(model, variable, scan, repackMode);
    }
    checked.push({ placement: placeSource(time, scan), transforms });
  }
  return checked;
}

export function transformFor(model: ArchiveModel, variable: ArchiveVariable, scan: ScannedSource, repackMode: "auto" | "refuse"): Transform {
  const url = scan.source.url;
  const found = scan.variables[variable.name];
  if (found === undefined) {
    throw new SourceMismatchError(`${url}: has no variable "${variable.name}", which the template has`, url, variable.name);
  }
  const dims = found.dimensions.join(", ");
  if (dims !== variable.dimensions.join(", ")) {
    throw new SourceMismatchError(`${url}: "${variable.name}" has dimensions (${dims}), the template (${variable.dimensions.join(", ")})`, url, variable.name);
  }
  found.shape.forEach((n, d) => {
    if (variable.dimensions[d] !== model.timeDimension && n !== variable.shape[d]) {
      throw new SourceMismatchError(
        `${url}: "${variable.name}" is ${n} long along "${variable.dimensions[d]}", the template ${variable.shape[d]}`,
        url,
        variable.name,
      );
    }
  });
  if (variable.timeEncoded) {
    const units = parseTimeUnits(scan.time.units, scan.time.calendar);
    const archive = parseTimeUnits(model.timeUnits, model.calendar);
    return units.unit === archive.unit && units.epochSeconds === archive.epochSeconds && found.dtype === variable.dtype
      ? { kind: "copy" }
      : { kind: "retime", from: scan.time.units, to: model.timeUnits, calendar: model.calendar };
  }
  const packing = packingOf(found.dtype, found.attributes);
  if (samePacking(packing, variable.packing)) return { kind: "copy" };
  if (repackMode === "refuse") {
    throw new PackingMismatchError(
      `${url}: "${variable.name}" is packed as ${describePacking(packing)}, the template as ${describePacking(variable.packing)} (repack: "refuse")`,
      url,
      variable.name,
    );
  }
  return { kind: "repack", from: packing, to: variable.packing };
}

/** Static variables (coordinates, bounds, masks) must equal the template's: the archive holds one copy. */
async function checkStatics(model: ArchiveModel, expectedValues: ExpectedValues, scan: ScannedSource): Promise<void> {
  for (const [name, digest] of Object.entries(model.staticDigests)) {
    const url = scan.source.url;
    if (scan.digests[name] === digest) continue;
    if (scan.variables[name] === undefined) {
      throw new SourceMismatchError(`${url}: has no variable "${name}", which the template has`, url, name);
    }
    // Digests differ: read both to name the first differing value (or to
    // find them equal as numbers, a float64 file against a float32 template).
    const [expected, actual] = await Promise.all([expectedValues(name), valuesOf(scan, name)]);
    checkCoordinatesMatch(expected, actual, { file: url, coordinate: name });
  }
}

export async function valuesOf(scan: ScannedSource, name: string): Promise<ArrayLike<number>> {
  const file = await openCachedSource(scan.source);
  const v = scan.variables[name]!;
  const raw = await file.read(name, v.shape.map((n) => [0, n] as const));
  return Array.from(raw as ArrayLike<number | bigint>, Number);
}
