/**
 * The gate every user-facing read passes (/api/sql, insights, the events feeds): at most `concurrency`
 * reads run at once, at most `queue` wait, and a read still waiting at its deadline never starts.
 * Ingestion, the loader and /health never pass here, so they never wait behind user queries.
 *
 * While the loader is behind (`loaderBehind`), reads run one at a time, and once they have run `readBudgetMs` beside
 * the load under way the next starts only after it ends. Heavy queries take both cores and the buffer pool: beside
 * two of them a load took ~8 s instead of ~1 and the loader fell ever further behind (docs/benchmarks.md, session
 * 31). Light reads (the dashboard's home) fit in the budget and do not wait.
 */
import { type QueryBounds, type QueryParams, type QueryResult, type Store, StoreError } from './store.js';

export interface ReadGateLimits {
  /** Reads running at once. Each holds a libuv thread while the engine works (see cli.ts). */
  concurrency: number;
  /** Reads waiting for a slot; one more is refused with STORE_BUSY. */
  queue: number;
  /**
   * When the loader is behind, a promise that settles when the load under way ends (Loader.behind); undefined when
   * it keeps up. Absent: reads never yield.
   */
  loaderBehind?: () => Promise<void> | undefined;
  /**
   * Read time (ms, summed over the reads running at once) one load under way lets pass, while the loader is behind,
   * before the next read waits for it to end. Default READ_BUDGET_MS.
   */
  readBudgetMs?: number;
}

/** ReadGateLimits.readBudgetMs's default: the dashboard's home page at 50,000 events/s fits in it. */
export const READ_BUDGET_MS = 1_000;

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export class ReadGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];
  /** The load the reads' time is counted against (Loader.behind's promise), and that time in ms. */
  private budget: { load: Promise<void>; spentMs: number } | undefined;

  constructor(readonly limits: ReadGateLimits) {}

  /** Reads running and waiting now (for /metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * Runs `work` once a slot is free and before `deadline` (epoch ms).
   * @throws StoreError STORE_BUSY when the queue is full, STORE_TIMEOUT when the deadline passes while waiting.
   */
  async run<T>(deadline: number, work: () => Promise<T>): Promise<T> {
    await this.acquire(deadline);
    try {
      const load = this.limits.loaderBehind?.();
      if (load && this.budget?.load === load && this.budget.spentMs >= (this.limits.readBudgetMs ?? READ_BUDGET_MS))
        await untilOrDeadline(load, deadline);
      const started = performance.now();
      try {
        return await work();
      } finally {
        // Counted against the load under way as the read ends: it ran beside it (and perhaps loads before).
        const now = this.limits.loaderBehind?.();
        if (now) this.charge(now, performance.now() - started);
      }
    } finally {
      this.release();
    }
  }

  /** Reads that may run at once now: one while the loader is behind. */
  private get concurrency(): number {
    return this.limits.loaderBehind?.() ? 1 : this.limits.concurrency;
  }

  /** Counts `ms` of read time against `load`; a new load starts a new budget. */
  private charge(load: Promise<void>, ms: number): void {
    if (this.budget?.load !== load) this.budget = { load, spentMs: 0 };
    this.budget.spentMs += ms;
  }

  private acquire(deadline: number): Promise<void> {
    if (Date.now() >= deadline) return Promise.reject(timedOutWaiting());
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.queue) {
      return Promise.reject(
        new StoreError(
          'STORE_BUSY',
          `${this.running} queries are running and ${this.waiting.length} waiting; retry later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          this.running++;
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(timedOutWaiting());
        }, deadline - Date.now()),
      };
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    this.running--;
    while (this.waiting.length > 0 && this.running < this.concurrency) this.waiting.shift()?.start();
  }
}

/**
 * Waits for `load` to end, or rejects STORE_TIMEOUT at `deadline` (epoch ms): a read never waits past its time limit.
 */
async function untilOrDeadline(load: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOutWaiting()), deadline - Date.now());
  });
  try {
    await Promise.race([load, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function timedOutWaiting(): StoreError {
  return new StoreError('STORE_TIMEOUT', 'the query waited for a free slot until its time limit and never started');
}

/**
 * The store as one request may use it: every `query` passes the gate and carries the request's bounds.
 * Analytics take this in place of the store, so no insight can run unbounded.
 */
export function boundedStore(store: Store, gate: ReadGate, bounds: Required<QueryBounds>): Store {
  return Object.assign(Object.create(store) as Store, {
    query: (sql: string, params?: QueryParams): Promise<QueryResult> =>
      gate.run(bounds.deadline, () => store.query(sql, params, bounds)),
  });
}
