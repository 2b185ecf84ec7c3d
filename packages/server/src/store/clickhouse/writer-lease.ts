/**
 * One process loads into a ClickHouse database at a time (ClickHouse migration 6, `store_writers`). Each process
 * numbers the spool segments it loads from the store's checkpoint and continues `arrival_seq` from the highest
 * stored; two loading at once would mark each other's segments loaded (losing events they acknowledged) and give
 * events the same `arrival_seq`. DuckDB's file lock keeps a second process out; on ClickHouse 18.16, which has no
 * locks or transactions, a lease kept by heartbeats does:
 * - a writer inserts a heartbeat row (server time, whole seconds) every `heartbeatS` and one with `released = 1`
 *   when it stops;
 * - a holder is live while its last heartbeat is under `ttlS` old and it has not released;
 * - claiming: insert a heartbeat, wait `settleMs` for a claim made at the same moment to land, then the writer is
 *   the live holder that claimed first (ties by holder id). A writer that is not waits, up to `ttlS` (the lease of a
 *   process that crashed runs out), and is then refused with STORE_LOCKED naming the holder;
 * - each heartbeat checks again: a writer that finds an earlier live holder (a race the wait did not settle) stops
 *   loading (STORE_LOCKED): its events stay in its spool, and /health says the loader fails.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { StoreError } from '../store.js';
import { literal } from './literal.js';

/** The lease's timings: heartbeats every 5 s, live for 20 s (whole seconds: the server's `now()`), 1,000 ms to settle. */
export interface LeaseTimings {
  heartbeatS: number;
  ttlS: number;
  settleMs: number;
}

const TIMINGS: LeaseTimings = { heartbeatS: 5, ttlS: 20, settleMs: 1_000 };

/** What the lease needs from the store: reads and statements (values already written as literals here). */
export interface LeaseDeps {
  rows(sql: string): Promise<unknown[][]>;
  command(sql: string): Promise<void>;
  database: string;
}

export class WriterLease {
  private readonly holder = randomUUID();
  /** This process's clock at its first claim (ms). */
  private claimedMs = 0;
  private claimed: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lost: StoreError | undefined;

  constructor(
    private readonly deps: LeaseDeps,
    private readonly timings: LeaseTimings = TIMINGS,
  ) {}

  /**
   * Resolves once this process is the database's writer (at once when it already is).
   * @throws StoreError STORE_LOCKED when another live process holds the lease past `ttlS`, or this one lost it
   */
  async claim(): Promise<void> {
    if (this.lost) throw this.lost;
    this.claimed ??= this.acquire().catch((error) => {
      this.claimed = undefined;
      throw error;
    });
    return this.claimed;
  }

  /** Stops the heartbeats and gives the lease up for good (a later writer need not wait for it to run out). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (this.claimed) await this.claimed.then(() => this.beat(1)).catch(() => {});
  }

  private async acquire(): Promise<void> {
    this.claimedMs ||= Date.now();
    await this.beat(0);
    const { heartbeatS, ttlS, settleMs } = this.timings;
    const deadline = Date.now() + (ttlS + heartbeatS) * 1000;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      const first = await this.firstLive();
      if (first?.holder === this.holder) break;
      // Refused: its heartbeats stop and run out (a release would mark this holder gone for good, and it may retry).
      if (Date.now() > deadline) throw lockedBy(this.deps.database, first);
      await this.beat(0);
    }
    this.timer = setInterval(() => {
      this.beat(0)
        .then(() => this.firstLive())
        .then((first) => {
          if (first && first.holder !== this.holder) this.lost = lockedBy(this.deps.database, first);
        })
        .catch(() => {}); // a missed heartbeat is retried at the next; the lease runs out only after ttlS
    }, heartbeatS * 1000);
    this.timer.unref();
  }

  private beat(released: 0 | 1): Promise<void> {
    const values = [this.holder, os.hostname(), process.pid, this.claimedMs].map(literal).join(', ');
    return this.deps.command(`INSERT INTO store_writers SELECT ${values}, now(), ${released}`);
  }

  /** The live holder that claimed first, or undefined when there is none. */
  private async firstLive(): Promise<Holder | undefined> {
    // Claims in one second of the server's clock are told apart by the claimers' own clocks.
    const [row] = await this.deps.rows(`SELECT holder, host, pid, toUnixTimestamp(min(heartbeat_at)) AS since
      FROM store_writers GROUP BY holder, host, pid, claimed_ms
      HAVING max(released) = 0 AND max(heartbeat_at) >= now() - ${this.timings.ttlS}
      ORDER BY since, claimed_ms, holder LIMIT 1`);
    return row
      ? { holder: String(row[0]), host: String(row[1]), pid: Number(row[2]), since: Number(row[3]) }
      : undefined;
  }
}

interface Holder {
  holder: string;
  host: string;
  pid: number;
  /** Unix seconds of its first heartbeat. */
  since: number;
}

function lockedBy(database: string, holder: Holder | undefined): StoreError {
  const who = holder
    ? `process ${holder.pid} on ${holder.host}, since ${new Date(holder.since * 1000).toISOString()}`
    : 'another process';
  return new StoreError(
    'STORE_LOCKED',
    `the ClickHouse database ${database} is in use by another collector (${who}): one process loads into a database (docs/clickhouse.md)`,
  );
}
