/**
 * Which implementation decodes (and encodes) each codec name. parazarr's own
 * choices come first, then zarrita's registry. We do not write into
 * zarrita's registry: a program that also uses zarrita directly keeps
 * zarrita's behaviour (and a benchmark baseline stays honest).
 */
import { registry as zarritaRegistry } from "zarrita";
import { addSetupModule } from "../../task/setup.js";
import { ZarrOptionError } from "../errors.js";
import { BloscCodec } from "./blosc.js";
import { NodeGzipCodec, NodeZlibCodec, NodeZstdCodec, nativeZstd } from "./native.js";

/** A codec class as zarrita's registry holds it: `fromConfig(config, chunkMeta)` builds one. */
export interface CodecFactory {
  fromConfig(configuration: unknown, meta: unknown): unknown;
  kind?: "array_to_array" | "array_to_bytes" | "bytes_to_bytes";
}

export type CodecLoader = () => Promise<CodecFactory>;

const own = new Map<string, CodecLoader>();

const gzip: CodecLoader = async () => NodeGzipCodec;
const zlib: CodecLoader = async () => NodeZlibCodec;
const blosc: CodecLoader = async () => BloscCodec as unknown as CodecFactory;
for (const prefix of ["", "numcodecs."]) {
  own.set(`${prefix}gzip`, gzip);
  own.set(`${prefix}zlib`, zlib);
  own.set(`${prefix}blosc`, blosc);
  if (nativeZstd !== undefined) own.set(`${prefix}zstd`, async () => NodeZstdCodec);
}

/**
 * Registers a codec under `name` (as it appears in metadata: "mycodec" in
 * v3, "numcodecs.mycodec" for a v2 `id`), declared by module like a task:
 *
 *     // codecs.mjs, imported by your script
 *     registerCodec(import.meta.url, "mycodec", async () => MyCodec);
 *
 * The module becomes a set-up module (see `everywhere`): every worker, on
 * every plan, imports it before its first task, so the codec is registered
 * there too. A codec registered in the caller alone would be accepted by
 * `open()` and then be unknown to every worker.
 */
export function registerCodec(moduleUrl: string, name: string, loader: CodecLoader): void {
  if (typeof moduleUrl === "string" && typeof name === "function") {
    throw new ZarrOptionError(
      `registerCodec(${JSON.stringify(moduleUrl)}, loader): say which module registers it, so that workers register it too: ` +
        `registerCodec(import.meta.url, ${JSON.stringify(moduleUrl)}, loader), in a module your script imports`,
      "moduleUrl",
    );
  }
  if (typeof name !== "string" || name === "") {
    throw new ZarrOptionError(`registerCodec(moduleUrl, name, loader): name must be the codec's name in metadata, got ${JSON.stringify(name)}`, "name");
  }
  if (typeof loader !== "function") {
    throw new ZarrOptionError(`registerCodec(moduleUrl, ${JSON.stringify(name)}, loader): loader must be a function, got ${typeof loader}`, "loader");
  }
  addSetupModule(`registerCodec(moduleUrl, ${JSON.stringify(name)}, loader)`, moduleUrl);
  own.set(name, loader);
}

export function findCodec(name: string): CodecLoader | undefined {
  return own.get(name) ?? (zarritaRegistry.get(name) as CodecLoader | undefined);
}

/** Which implementation serves zstd in this process, for benchmarks and logs. */
export function zstdImplementation(): "node:zlib" | "numcodecs-wasm" {
  return nativeZstd === undefined ? "numcodecs-wasm" : "node:zlib";
}
