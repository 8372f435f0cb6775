/**
 * Which module opens each source format. A format is registered by module,
 * like a codec (`registerCodec`): the module becomes a set-up module, so
 * every worker on every plan imports it, and registers the format there,
 * before its first task. A format registered only in the caller would be
 * unknown to the workers that open the files.
 */
import { addSetupModule } from "../task/setup.js";
import { ParazarrError, hasTag } from "../errors.js";
import type { SourceFile, SourceFormat, SourceSpec } from "./source.js";

export type SourceFormatLoader = () => Promise<SourceFormat>;

/** A source names a format that no module has registered in this process. */
export class UnknownSourceFormatError extends ParazarrError {
  readonly _tag = "UnknownSourceFormatError" as const;
  constructor(readonly format: string) {
    super(
      `no source format "${format}" is registered in this process; install and import its package ` +
        `(for NetCDF: npm install @parazarr/netcdf, then import "@parazarr/netcdf" in the caller)`,
    );
    this.name = "UnknownSourceFormatError";
  }
}

export const isUnknownSourceFormatError = (e: unknown): e is UnknownSourceFormatError => hasTag(e, "UnknownSourceFormatError");

const formats = new Map<string, SourceFormatLoader>();

/**
 * Registers a source format, declared by module:
 *
 *     registerSourceFormat(import.meta.url, "netcdf", async () => netcdfFormat);
 */
export function registerSourceFormat(moduleUrl: string, name: string, loader: SourceFormatLoader): void {
  if (typeof name !== "string" || !/^[a-z][a-z0-9-]*$/.test(name)) {
    throw new TypeError(`registerSourceFormat: name must be lower-case letters, digits and "-", got ${JSON.stringify(name)}`);
  }
  if (typeof loader !== "function") throw new TypeError(`registerSourceFormat(moduleUrl, ${JSON.stringify(name)}, loader): loader must be a function`);
  addSetupModule(`registerSourceFormat(moduleUrl, ${JSON.stringify(name)}, loader)`, moduleUrl);
  formats.set(name, loader);
}

/** The format of a source, loaded once per process. */
export async function sourceFormatOf(spec: SourceSpec): Promise<SourceFormat> {
  const loader = formats.get(spec.format);
  if (loader === undefined) throw new UnknownSourceFormatError(spec.format);
  return loader();
}

/**
 * Opens a source in this process through its registered format: what a
 * task does with a SourceSpec it was given (the worker's own copy of the
 * format, registered there by the set-up module).
 */
export async function openSource(spec: SourceSpec, options?: { readonly signal?: AbortSignal }): Promise<SourceFile> {
  return (await sourceFormatOf(spec)).open(spec.url, options);
}

export function registeredSourceFormats(): string[] {
  return [...formats.keys()];
}
