/**
 * The gate every user-facing read passes (/api/sql, insights, the events feeds): at most `concurrency`
 * reads run at once, at most `queue` wait, and a read still waiting at its deadline never starts.
 * Ingestion, the loader and /health never pass here, so they never wait behind user queries.
 */
import { type QueryBounds, type QueryParams, type QueryResult, type Store, StoreError } from './store.js';

export interface ReadGateLimits {
  /** Reads running at once. Each holds a libuv thread while the engine works (see cli.ts). */
  concurrency: number;
  /** Reads waiting for a slot; one more is refused with STORE_BUSY. */
  queue: number;
}

interface Waiter {
  start: () => void;
  timer: NodeJS.Timeout;
}

export class ReadGate {
  private running = 0;
  private readonly waiting: Waiter[] = [];

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
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(deadline: number): Promise<void> {
    if (Date.now() >= deadline) return Promise.reject(timedOutWaiting());
    if (this.running < this.limits.concurrency) {
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
    this.waiting.shift()?.start();
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
