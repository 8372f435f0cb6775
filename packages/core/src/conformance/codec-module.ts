/**
 * A codec of the conformance suite's own, registered by module reference:
 * importing this module registers it here, and every worker of every plan
 * imports it before its first task. It flips every stored byte (XOR 0x5a),
 * so a chunk written without it cannot be read with it, and the reverse.
 */
import { registerCodec } from "../zarr/codecs/registry.js";

export const FLIP_CODEC = "parazarr-conformance-flip";

class FlipBytes {
  readonly kind = "bytes_to_bytes";
  static fromConfig(): FlipBytes {
    return new FlipBytes();
  }
  encode(bytes: Uint8Array): Uint8Array {
    return bytes.map((b) => b ^ 0x5a);
  }
  decode(bytes: Uint8Array): Uint8Array {
    return bytes.map((b) => b ^ 0x5a);
  }
}

registerCodec(import.meta.url, FLIP_CODEC, async () => FlipBytes);
