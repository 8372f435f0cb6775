/**
 * Shipping code to one destination (an SSH host's directory, an S3 prefix,
 * a shared directory): the one place where bundles are uploaded once and a
 * batch's module URLs are rewritten to where its workers import them.
 *
 * Every bundle lands at `<base>/<hash>/<name>` in its store, so a task
 * bundle's `../<core hash>/core.mjs` is its core. Core goes first, always:
 * a module that arrives before the core it imports would fail to load.
 */
import type { BatchMessage } from "@parazarr/core/backend";
import { bundleCore, type Bundle, type TaskBundler } from "./bundle.js";

/** Where bundles go for one destination. */
export interface CodeStore {
  /**
   * Puts the bundle at `<base>/<hash>/<name>` unless it is there; resolves
   * to the URL a worker imports it by (`file:///…` on ssh, `s3://…` on
   * batch). A store's error should say where it tried to write.
   */
  put(bundle: Bundle): Promise<string>;
}

export class Shipper {
  /** By content hash: the same code under two module URLs is put once. */
  readonly #shipped = new Map<string, Promise<string>>();

  constructor(
    private readonly store: CodeStore,
    private readonly bundler: TaskBundler,
  ) {}

  /** Ships core.mjs then the entry; resolves to the entry's URL at the destination. */
  async shipEntry(entry: Bundle): Promise<string> {
    await this.#put(await bundleCore());
    return this.#put(entry);
  }

  /**
   * The batch as the destination must see it: its task module and set-up
   * modules bundled (core's own are core.mjs) and put once each, named by
   * their URLs at the destination. A module that cannot be bundled rejects
   * with a ModuleBundleError (the task's fault); anything else is the store's.
   */
  async shipBatch(batch: BatchMessage): Promise<BatchMessage> {
    const [moduleUrl, setup] = await Promise.all([
      this.#ship(batch.task.moduleUrl),
      batch.setup === undefined ? undefined : Promise.all(batch.setup.map((url) => this.#ship(url))),
    ]);
    const task = { ...batch.task, moduleUrl };
    return setup === undefined ? { ...batch, task } : { ...batch, task, setup };
  }

  async #ship(moduleUrl: string): Promise<string> {
    const bundle = await this.bundler.bundle(moduleUrl);
    await this.#put(await bundleCore());
    return this.#put(bundle);
  }

  #put(bundle: Bundle): Promise<string> {
    let url = this.#shipped.get(bundle.hash);
    if (url === undefined) {
      url = this.store.put(bundle);
      this.#shipped.set(bundle.hash, url);
      // A failed put is tried again by the next batch that needs it (a
      // backend that gives up on its destination after one, as ssh does
      // with a host, simply never asks again).
      url.catch(() => this.#shipped.delete(bundle.hash));
    }
    return url;
  }
}
