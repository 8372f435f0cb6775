/**
 * `createTemplate(template, archive, options)`: the archive's layout alone,
 * zarrify's `create-template`. Arrays and coordinates, no data chunks, and
 * the manifest that later writers (convert, writeFromSource, status,
 * validate) read. The time axis is given (`time: { start, end, freq }`) or
 * scanned from `inputs`.
 */
import { getPlan } from "../plan/current.js";
import { ReadOnlyStoreError } from "../zarr/errors.js";
import { normalizeStoreSpec, openStore } from "../zarr/stores/index.js";
import type { StoreSpec } from "../zarr/stores/types.js";
import { checkStoreShared } from "../zarr/shared-store.js";
import { claimArchive } from "./claims.js";
import { callWriter } from "./writer.js";
import { toSourceSpec, toSourceSpecs, type SourceInput } from "./inputs.js";
import { checkNames, checkRunOptions, checkTemplateOptions, TEMPLATE_OPTIONS, type TemplateOptions } from "./options.js";
import { prepare } from "./prepare.js";
import { checkExistingArchive, withLayout, writeTemplate } from "./template.js";
import { planManifest } from "./convert.js";
import { planUnits } from "./convert-plan.js";
import { writeManifest } from "./ledger.js";
import { ConvertOptionError } from "./workflow-errors.js";

export interface CreateTemplateOptions extends TemplateOptions {
  /** Sources whose times make the axis, when `time` is not given. */
  readonly inputs?: Iterable<SourceInput>;
  readonly retries?: number;
  readonly signal?: AbortSignal;
}

export interface TemplateSummary {
  readonly archive: string;
  readonly zarrFormat: 2 | 3;
  readonly timeSteps: number;
  readonly first: string;
  readonly last: string;
  /** Every array: name, role, shape, chunks, dtype. */
  readonly arrays: ReadonlyArray<{ name: string; role: string; shape: readonly number[]; chunks: readonly number[]; dtype: string }>;
  /** False when the archive already had this very template (nothing was written). */
  readonly created: boolean;
}

export async function createTemplate(template: SourceInput, archive: string | StoreSpec, options: CreateTemplateOptions = {}): Promise<TemplateSummary> {
  checkNames("createTemplate", options, [...TEMPLATE_OPTIONS, "inputs", "retries", "signal"]);
  checkTemplateOptions("createTemplate", options);
  const run = checkRunOptions("createTemplate", { retries: options.retries, signal: options.signal });
  const templateSource = toSourceSpec("createTemplate", template);
  const inputs = options.inputs === undefined ? [] : toSourceSpecs("createTemplate", options.inputs);
  if (options.time === undefined && inputs.length === 0) {
    throw new ConvertOptionError(
      "createTemplate: the time axis needs either time: { start, end, freq } or inputs to scan (every file whose times the archive will hold)",
      "time",
    );
  }
  const spec = normalizeStoreSpec(archive);
  checkStoreShared("createTemplate", spec, getPlan());
  for (const source of [...inputs, templateSource]) checkStoreShared("createTemplate", { url: source.url }, getPlan());
  const store = await openStore(spec);
  if (store.set === undefined) throw new ReadOnlyStoreError(spec.url);
  // Refusals of the sources and options come before the archive is claimed: the path stays untouched.
  const prepared = await prepare(templateSource, inputs, options, { retries: run.retries, signal: run.signal, repack: "auto" });
  const claim = await claimArchive(store, callWriter());
  try {
    const existing = await checkExistingArchive(spec, store, prepared.signature, prepared.layout);
    const ready = existing !== undefined && (existing.options as { state?: string }).state === "ready";
    let manifest = ready ? existing : await writeTemplate(spec, prepared.model, prepared.time, prepared.template, prepared.signature, prepared.layout, existing);
    if (!ready && inputs.length > 0) {
      // The inputs are known: the plan goes into the manifest, so that status
      // and validate see what independent writers (writeFromSource) still owe.
      const units = [...planUnits(prepared.model, prepared.checked.map((c, index) => ({ index, ...c.placement })))];
      manifest = withLayout(planManifest(prepared, inputs, units, manifest), prepared.layout);
      await writeManifest(store, manifest);
    }
    const opts = manifest.options as { first: string; last: string };
    return {
      archive: spec.url,
      zarrFormat: prepared.model.zarrFormat,
      timeSteps: prepared.model.timeLength,
      first: opts.first,
      last: opts.last,
      arrays: prepared.model.variables.map((v) => ({ name: v.name, role: v.role, shape: v.shape, chunks: v.chunks, dtype: v.dtype })),
      created: !ready,
    };
  } finally {
    await claim.release();
  }
}
