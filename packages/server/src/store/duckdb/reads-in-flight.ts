/**
 * Counts the reads running on connections of their own (queries, the summarizer's snapshot), so that the writer's
 * COMMIT and CHECKPOINT take extra memory only when a read could hold the buffer pool beside them, and the store
 * keeps DuckDB's limit low only while none is running (duckdb-store.ts, settleMemoryLimit): the first read raises
 * it (onBusy) before it runs, and the store lowers it again, alone (ifAlone), once the last has ended (onIdle).
 *
 * Why: DuckDB (1.5.6) does not survive a COMMIT or CHECKPOINT that runs out of memory (duckdb-store.ts, withRoom), so
 * they run with twice the limit; but every `SET memory_limit` also flushes DuckDB's allocator (BufferPool::SetLimit
 * ends in Allocator::FlushAll, jemalloc giving every cached page back to the system), and two per COMMIT cost a
 * third of the CPU per event (docs/benchmarks.md, "Room only beside a read"). With no read in flight the statement
 * is alone with the pool, so it runs bare, and a read that starts meanwhile waits for it to end.
 */
export class ReadsInFlight {
  private count = 0;
  /** The bare statement under way, settled (never rejects); reads wait for it. */
  private alone: Promise<unknown> | undefined;
  /** The first read's onBusy, settled (never rejects); every read in flight waited for it. */
  private busy: Promise<void> | undefined;

  /**
   * @param hooks.onBusy run when a read starts with none in flight; it and the reads that start meanwhile wait for
   *   it to settle (a rejection is ignored: the reads run anyway)
   * @param hooks.onIdle called (synchronously) each time the last read in flight ends
   */
  constructor(private readonly hooks: { onBusy?: () => Promise<void>; onIdle?: () => void } = {}) {}

  /** Runs `work` counted as a read in flight, once no statement is running alone. Settles as `work` does. */
  async read<T>(work: () => Promise<T>): Promise<T> {
    while (this.alone) await this.alone;
    if (this.count++ === 0) this.busy = this.hooks.onBusy?.().catch(() => {});
    try {
      await this.busy;
      return await work();
    } finally {
      if (--this.count === 0) {
        this.busy = undefined;
        this.hooks.onIdle?.();
      }
    }
  }

  /**
   * Runs `statement` alone (reads starting meanwhile wait) when no read is in flight, else through `withRoom`.
   * Callers run one at a time (the store's writer queue). Settles as the statement does.
   */
  async run(
    statement: () => Promise<unknown>,
    withRoom: (statement: () => Promise<unknown>) => Promise<void>,
  ): Promise<void> {
    if (this.count > 0) {
      // After the first read's onBusy, so that what withRoom sets is not undone by it.
      await this.busy;
      return withRoom(statement);
    }
    await this.runAlone(statement);
  }

  /**
   * Runs `work` alone (reads starting meanwhile wait) when no read is in flight, else not at all: for work a read
   * beside it could not survive. Callers run one at a time (the store's writer queue). Resolves whether it ran;
   * rejects as `work` does.
   */
  async ifAlone(work: () => Promise<unknown>): Promise<boolean> {
    if (this.count > 0) return false;
    await this.runAlone(work);
    return true;
  }

  private async runAlone(work: () => Promise<unknown>): Promise<void> {
    const alone = work();
    this.alone = alone.catch(() => {});
    try {
      await alone;
    } finally {
      this.alone = undefined;
    }
  }
}
