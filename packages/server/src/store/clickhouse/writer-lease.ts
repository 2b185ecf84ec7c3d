/**
 * Leases kept by heartbeats in ClickHouse (migrations 6 and 7, `store_writers`): 18.16 has no locks or transactions.
 * Two roles:
 * - `writer <n>`: one process loads as writer n (TELEMETRY_WRITER_ID). A writer numbers the spool segments it loads
 *   from its own checkpoint and continues its own `arrival_seq`; two processes loading as one writer would mark each
 *   other's segments loaded (losing events they acknowledged). Collectors with different numbers load side by side.
 *   DuckDB's file lock does this on DuckDB.
 * - `summarizer`: one process drains the summary queue (summary-drain.ts numbers drains in order); every writer
 *   contends, the first live one drains, and when its heartbeats stop the next takes over.
 * How:
 * - a contender inserts a heartbeat row (server time, whole seconds) every `heartbeatS` and one with `released = 1`
 *   when it stops;
 * - a contender is live while its last heartbeat is under `ttlS` old and it has not released;
 * - claiming: insert a heartbeat, wait `settleMs` for a claim made at the same moment to land, then the holder is
 *   the live contender that claimed first (ties by holder id). A writer that is not waits, up to `ttlS` (the lease of
 *   a process that crashed runs out), and is then refused with STORE_LOCKED naming the holder;
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

export const TIMINGS: LeaseTimings = { heartbeatS: 5, ttlS: 20, settleMs: 1_000 };

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

  /** `role`: `writer <n>` or `summarizer` (above). */
  constructor(
    private readonly deps: LeaseDeps,
    private readonly role: string,
    private readonly timings: LeaseTimings = TIMINGS,
  ) {}

  /**
   * Resolves once this process holds the lease (at once when it already does): a writer's, waiting for it.
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

  /**
   * Whether this process holds the lease now, contending from the first call on without waiting past it: the
   * summarizer's, which any writer may take. Asks the server each time (a drain asks again before it commits).
   */
  async hold(): Promise<boolean> {
    if (!this.timer) {
      this.claimedMs ||= Date.now();
      await this.beat(0);
      await new Promise((resolve) => setTimeout(resolve, this.timings.settleMs));
      this.heartbeats(() => {});
    }
    return (await this.firstLive())?.holder === this.holder;
  }

  /** Stops the heartbeats and gives the lease up for good (a later writer need not wait for it to run out). */
  async release(): Promise<void> {
    await this.claimed?.catch(() => {});
    clearInterval(this.timer);
    // Heartbeats run once claimed or contending (hold()): then there is a lease to give up.
    if (this.timer) await this.beat(1).catch(() => {});
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
      if (Date.now() > deadline) throw lockedBy(this.deps.database, this.role, first);
      await this.beat(0);
    }
    this.heartbeats((first) => {
      if (first && first.holder !== this.holder) this.lost = lockedBy(this.deps.database, this.role, first);
    });
  }

  /** Beats every `heartbeatS`, then gives `check` the live holder. */
  private heartbeats(check: (first: Holder | undefined) => void): void {
    this.timer = setInterval(() => {
      this.beat(0)
        .then(() => this.firstLive())
        .then(check)
        .catch(() => {}); // a missed heartbeat is retried at the next; the lease runs out only after ttlS
    }, this.timings.heartbeatS * 1000);
    this.timer.unref();
  }

  private beat(released: 0 | 1): Promise<void> {
    const values = [this.holder, os.hostname(), process.pid, this.claimedMs].map(literal).join(', ');
    return this.deps.command(
      `INSERT INTO store_writers (holder, host, pid, claimed_ms, heartbeat_at, released, role)
       SELECT ${values}, now(), ${released}, ${literal(this.role)}`,
    );
  }

  /** The live holder that claimed first, or undefined when there is none. */
  private async firstLive(): Promise<Holder | undefined> {
    // Claims in one second of the server's clock are told apart by the claimers' own clocks.
    const [row] = await this.deps.rows(`SELECT holder, host, pid, toUnixTimestamp(min(heartbeat_at)) AS since
      FROM store_writers WHERE role = ${literal(this.role)} GROUP BY holder, host, pid, claimed_ms
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

function lockedBy(database: string, role: string, holder: Holder | undefined): StoreError {
  const who = holder
    ? `process ${holder.pid} on ${holder.host}, since ${new Date(holder.since * 1000).toISOString()}`
    : 'another process';
  return new StoreError(
    'STORE_LOCKED',
    `the ClickHouse database ${database} is in use by another collector as ${role} (${who}): give each collector loading into one database its own TELEMETRY_WRITER_ID (docs/clickhouse.md)`,
  );
}
