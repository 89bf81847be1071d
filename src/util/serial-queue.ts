/**
 * Runs async calls one at a time, in call order; a failed call does not stop the ones after it. The engines use it
 * because their calls share one connection's scratch tables (DuckDB) or one staging area and Delta log (Spark).
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every call queued so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
