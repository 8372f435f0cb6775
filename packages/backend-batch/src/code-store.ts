/**
 * Bundles in S3 under `<staging>/code/<hash>/<name>`, shared by every run
 * and every child: the hash is in the key, so an object of the right size
 * is the right object, and unchanged code is uploaded once, ever (the
 * Shipper also asks once per start).
 */
import type { Bundle, CodeStore } from "@parazarr/remote";
import { BatchStagingError } from "./errors.js";
import { joinKey, type ObjectStore } from "./s3.js";

export class S3CodeStore implements CodeStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly stagingPrefix: string,
  ) {}

  keyOf(bundle: Pick<Bundle, "hash" | "name">): string {
    return joinKey(this.stagingPrefix, `code/${bundle.hash}/${bundle.name}`);
  }

  urlOf(bundle: Pick<Bundle, "hash" | "name">): string {
    return `s3://${this.store.bucket}/${this.keyOf(bundle)}`;
  }

  async put(bundle: Bundle): Promise<string> {
    const key = this.keyOf(bundle);
    try {
      if ((await this.store.size(key)) !== bundle.code.length) await this.store.put(key, bundle.code);
    } catch (error) {
      throw new BatchStagingError(`s3://${this.store.bucket}/${this.stagingPrefix}`, `cannot upload ${bundle.name} to s3://${this.store.bucket}/${key}: ${(error as Error)?.message}`, { cause: error });
    }
    return this.urlOf(bundle);
  }
}
