/**
 * The part of createTemplate, convert and writeFromSource that decides
 * before it writes: scan the sources (a map over the files, on the current
 * plan), build the time axis and the archive's model, check every source
 * against it. Whatever is wrong is refused here, with nothing written.
 */
import { map } from "../map/map.js";
import type { SourceSpec } from "../sources/source.js";
import { buildArchiveModel, describeLayout, templateSignature, type ArchiveModel } from "./archive-model.js";
import { resolveArchiveTime, type ArchiveTime } from "./archive-time.js";
import { checkSources, valuesOf, type CheckedSource } from "./check-sources.js";
import type { TemplateOptions } from "./options.js";
import type { ScannedSource } from "./scan.js";
import { scanSources } from "./tasks.js";

export interface Prepared {
  readonly scans: ScannedSource[];
  readonly template: ScannedSource;
  readonly time: ArchiveTime;
  readonly model: ArchiveModel;
  readonly signature: string;
  readonly layout: Record<string, string>;
  readonly checked: CheckedSource[];
}

export interface PrepareRun {
  readonly retries: number;
  readonly signal: AbortSignal | undefined;
  readonly repack: "auto" | "refuse";
  readonly onScan?: (done: number, total: number) => void;
}

export async function scanAll(sources: readonly SourceSpec[], options: TemplateOptions, run: PrepareRun): Promise<ScannedSource[]> {
  const requests = sources.map((source) => ({ source, timeDimension: options.timeDimension }));
  return map(scanSources, requests, {
    retries: run.retries,
    ...(run.signal ? { signal: run.signal } : {}),
    onProgress: (p) => run.onScan?.(p.done, sources.length),
  });
}

/** `sources` are the inputs to place on the axis; `template` the source that defines the layout (one of them or not). */
export async function prepare(templateSource: SourceSpec, sources: readonly SourceSpec[], options: TemplateOptions, run: PrepareRun): Promise<Prepared> {
  const index = sources.findIndex((s) => s.url === templateSource.url);
  const all = index >= 0 ? sources : [templateSource, ...sources];
  const scanned = await scanAll(all, options, run);
  const template = scanned[index >= 0 ? index : 0]!;
  const scans = index >= 0 ? scanned : scanned.slice(1);
  return decide(template, scans, options, run.repack);
}

export async function decide(template: ScannedSource, scans: ScannedSource[], options: TemplateOptions, repack: "auto" | "refuse"): Promise<Prepared> {
  const time = resolveArchiveTime(template, options.time === undefined ? scans : undefined, options);
  const model = buildArchiveModel({
    template,
    options,
    timeLength: time.instants.length,
    timeUnits: time.unitsText,
    calendar: time.calendar,
    integralTimes: time.integral,
  });
  const checked = await checkSources(model, time, (name) => valuesOf(template, name), scans, repack);
  return { scans, template, time, model, signature: templateSignature(model, time.digest), layout: describeLayout(model, time.digest), checked };
}
