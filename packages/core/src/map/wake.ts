/** A one-slot doorbell: `notify` wakes the current (or the next) `wait`. */
export class Wake {
  #resolve: (() => void) | undefined;
  #rung = false;

  notify(): void {
    const resolve = this.#resolve;
    if (resolve === undefined) {
      this.#rung = true;
      return;
    }
    this.#resolve = undefined;
    resolve();
  }

  wait(): Promise<void> {
    if (this.#rung) {
      this.#rung = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
}
