/**
 * Runs tasks one after another in the order they were given, each starting once the one before it has settled
 * (resolved or rejected): the store's writes on its one writer connection, and its summary drains.
 */
export class Serial {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `work` after every task given before it; settles as `work` does. */
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => {});
    return next;
  }

  /** Resolves (never rejects) once every task given so far has settled. */
  settled(): Promise<unknown> {
    return this.last;
  }
}
