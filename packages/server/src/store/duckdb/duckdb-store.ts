/** The embedded DuckDB store: one file, a write connection for loads, a read connection per query. */
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api';
import {
  type ActorKeyRule,
  DATA_DIR_MODE,
  type LoadedSegment,
  type QueryBounds,
  type QueryParams,
  type QueryResult,
  type ReadOnlyQueryOptions,
  type ReadOnlyQueryResult,
  type Store,
  StoreError,
  type SummarizedStream,
  type SummaryDrain,
} from '../store.js';
import { notSelect } from '../user-sql.js';
import { actorKeyChangeSql, actorKeyRuleSql } from './actor-key.js';
import { readBounded } from './bounded-read.js';
import { loadSegments, OUT_OF_MEMORY } from './load-segment.js';
import { memoryLimitBytes } from './memory-limit.js';
import { type Backfill, MIGRATIONS } from './migrations.js';
import { chunksOf, readRows } from './read-rows.js';
import { ReadsInFlight } from './reads-in-flight.js';
import { runOnWorkers } from './run-on-workers.js';
import { Serial } from './serial.js';
import { checkSandbox } from './sql-sandbox.js';
import { drainQueue } from './summary-drain.js';

export interface DuckDBStoreOptions {
  /** Database file; ':memory:' for tests. */
  file: string;
  /** Directory holding spool segments: the only place DuckDB may read files from. Default: none. */
  spoolDir?: string;
  /** DuckDB worker threads. Default: 2. */
  threads?: number;
  /**
   * DuckDB memory limit while a read runs (and for loads larger than ingestMemoryLimit holds), e.g. '1GB'. Default:
   * '256MB': every insight still answers at 10 million events (funnels with a breakdown about 40% slower than at 512
   * MB; docs/benchmarks.md, session 28).
   */
  memoryLimit?: string;
  /**
   * DuckDB's memory limit while no read runs beside the writer (loads, the summarizer's writes, checkpoints), e.g.
   * '64MB'. Default: '64MB'; at or above memoryLimit, the limit stays memoryLimit. The first read (a query, the
   * summarizer's snapshot) sets memoryLimit before it runs, and the store sets this one again once the last read has
   * ended: rows loaded since the last checkpoint beyond it wait in DuckDB's temporary file instead of memory, and the
   * blocks reads brought in are evicted (settleMemoryLimit says why).
   */
  ingestMemoryLimit?: string;
  /**
   * Who insights count (events.actor_key, actor-key.ts). A change from the stored setting recomputes every key and
   * queues every device stream for summarizing again. Default: the stored setting (`federated` in a new store).
   */
  actorKey?: ActorKeyRule;
  /** Rows per transaction when a migration or an actor-key change fills a column of every row. Default: 500,000. */
  backfillRows?: number;
}

/** DuckDBStoreOptions.memoryLimit's default. */
const DEFAULT_MEMORY_LIMIT = '256MB';

/** DuckDBStoreOptions.ingestMemoryLimit's default. */
const DEFAULT_INGEST_MEMORY_LIMIT = '64MB';

/**
 * What a load takes of DuckDB's pool, with room: LOAD_MEMORY_BASE bytes and LOAD_MEMORY_PER_SEGMENT_BYTE per byte of
 * its spool segments (limitForLoad). Measured with ~600-byte events, each limit held still: 1.8 MB of segments loaded
 * at 32 MB and 3.6 MB did not; 7.1 loaded at 48 MB and 14.3 did not (its COMMIT failed); 14.3 loaded at 64 MB.
 */
const LOAD_MEMORY_BASE = 16_000_000;
const LOAD_MEMORY_PER_SEGMENT_BYTE = 6;

/** DuckDB's rows per row group (its default; the store does not set another). */
const ROW_GROUP_ROWS = 122_880;

/**
 * Events loaded between two checkpoints: 92,161. Loads after a checkpoint start a new row group, and a checkpoint
 * merges any run of row groups that fits in fewer (up to four into three), rewriting them: three of 80,000 events
 * (the 64 MB WAL threshold this store set before) into two took 3–6 s, every third checkpoint, holding the loads.
 * Row groups of more than three quarters of a row group never fit in fewer, so the store checkpoints itself once
 * this many events were loaded and each checkpoint writes only those (under a second); row groups that deletes
 * thinned out (retention, erasure) are still merged. A load that takes the count past ROW_GROUP_ROWS leaves a short
 * row group, merged later (one rewrite). Measured in docs/benchmarks.md, "What made the slow loads".
 */
export const CHECKPOINT_EVENTS = (ROW_GROUP_ROWS * 3) / 4 + 1;

export async function openDuckDBStore(options: DuckDBStoreOptions): Promise<DuckDBStore> {
  if (options.file !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true, mode: DATA_DIR_MODE });
  }
  const threads = options.threads ?? 2;
  const instance = await createInstance(options);
  const writer = runOnWorkers(await instance.connect(), threads);
  if (options.file !== ':memory:') removeReopenedTempDirectories(options.file);
  // A database in memory opened again would be a new, empty one: it is not.
  let reopens = 0;
  const reopen: Reopen | undefined =
    options.file === ':memory:'
      ? undefined
      : async () => {
          // Not the temporary directory of the database it replaces, which stays open until its last query ends:
          // two instances spilling to one directory overwrite and delete each other's files ("Corrupt temporary
          // file", "Could not read enough bytes"), and every later load failed.
          const reopened = await createInstance(options, `${reopenedTempPrefix(options.file)}${++reopens}`);
          const connection = runOnWorkers(await reopened.connect(), threads);
          await lockDown(connection, options);
          return { instance: reopened, writer: connection };
        };
  const store = new DuckDBStore(instance, writer, {
    threads,
    memoryLimit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    ingestMemoryLimit: options.ingestMemoryLimit ?? DEFAULT_INGEST_MEMORY_LIMIT,
    backfillRows: options.backfillRows ?? 500_000,
    reopen,
  });
  await store.migrate();
  if (options.actorKey) await store.setActorKey(options.actorKey);
  await lockDown(writer, options);
  return store;
}

/** Where a database opened again (DuckDBStore.recover) spills, numbered: beside DuckDB's own `<file>.tmp`. */
function reopenedTempPrefix(file: string): string {
  return `${path.resolve(file)}.tmp.reopened-`;
}

/**
 * Removes what a process that opened the database again left behind (DuckDB removes its files at close, a crash
 * leaves them). Called once the database is open, holding its lock: no other process spills there.
 */
function removeReopenedTempDirectories(file: string): void {
  const prefix = path.basename(reopenedTempPrefix(file));
  const dir = path.dirname(path.resolve(file));
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * Opens the database file with the store's settings; `tempDirectory` replaces DuckDB's default `<file>.tmp`.
 * @throws StoreError STORE_LOCKED, STORE_UNAVAILABLE
 */
async function createInstance(options: DuckDBStoreOptions, tempDirectory?: string): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(options.file, {
      ...(tempDirectory ? { temp_directory: tempDirectory } : {}),
      threads: String(options.threads ?? 2),
      memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      // The store checkpoints after CHECKPOINT_EVENTS loaded events (about 75 MB of WAL at 800 bytes an event);
      // DuckDB's own threshold stays above that, for events so large that the WAL passes it first.
      checkpoint_threshold: '128MB',
      // Memory freed by a large result goes back to the system within seconds instead of staying in the
      // allocator's caches (bounded-read.ts collects the result's chunks so that they are freed at all).
      allocator_background_threads: 'true',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  } catch (error) {
    const message = String((error as Error).message ?? error);
    if (/lock/i.test(message)) {
      throw new StoreError('STORE_LOCKED', `the database ${options.file} is in use by another process: ${message}`, {
        cause: error,
      });
    }
    throw new StoreError('STORE_UNAVAILABLE', `cannot open ${options.file}: ${message}`, { cause: error });
  }
}

/**
 * A second wall behind sql-sandbox.ts: nothing outside the spool is readable (the loader reads it), and once
 * external access is off it cannot be switched back on, by us or by a query.
 */
async function lockDown(writer: DuckDBConnection, options: DuckDBStoreOptions): Promise<void> {
  const allowed = options.spoolDir ? [`${path.resolve(options.spoolDir)}/`] : [];
  await writer.run(`SET allowed_directories = [${allowed.map((d) => `'${d.replaceAll("'", "''")}'`).join(',')}]`);
  await writer.run('SET enable_external_access = false');
}

/** A database and its writer connection, opened again after DuckDB invalidated the one before (DuckDBStore.recover). */
type Reopen = () => Promise<{ instance: DuckDBInstance; writer: DuckDBConnection }>;

export class DuckDBStore implements Store {
  readonly dialect = 'duckdb' as const;
  /** Loads and migrations are serialised on one connection; DuckDB allows one writer transaction at a time. */
  private readonly writes = new Serial();
  /** Summary drains, one at a time, each reading on `summaryReader` (a connection of its own) before it writes. */
  private readonly drains = new Serial();
  private summaryReader: DuckDBConnection | undefined;
  /** Set when close() begins: what is asked after that is refused (it would run on closed connections: a crash). */
  private closing = false;
  /** Events loaded since the last checkpoint this store ran (CHECKPOINT_EVENTS). */
  private loadedSinceCheckpoint = 0;
  /** Set while the database is opened again after DuckDB invalidated it (recover). */
  private recovering: Promise<void> | undefined;
  private reopenCount = 0;
  /** Why the last attempt to open the database again failed; undefined once one succeeds. */
  private reopenFailure: string | undefined;
  /** The memory limit last set on DuckDB; undefined while a SET failed (settleMemoryLimit sets it again). */
  private memoryLimitSet: string | undefined;
  /** Twice the memory limit, the setting withRoom raises it to; undefined when memoryLimitBytes cannot read it. */
  private readonly roomLimit: string | undefined;
  /** settings.ingestMemoryLimit when it is below settings.memoryLimit; undefined otherwise (the limit stays still). */
  private readonly ingestLimit: { setting: string; bytes: number } | undefined;
  /**
   * Set when a ROLLBACK on the writer failed (out of memory: queries held the pool). The next write rolls back first,
   * once memory is back; until then writes fail (as the loader's out-of-memory retries expect).
   */
  private rollbackPending = false;
  /**
   * Whether a COMMIT or CHECKPOINT needs room: only while a read could hold the pool beside it; and which memory
   * limit DuckDB should have: the store's while reads run, the ingest limit otherwise.
   */
  private readonly reads = new ReadsInFlight({
    onBusy: () => this.raiseMemoryLimit(),
    onIdle: () => this.lowerWhenIdle(),
  });

  constructor(
    private instance: DuckDBInstance,
    private writer: DuckDBConnection,
    private readonly settings: {
      /** DuckDB's thread count: the summarizer's reader runs on its workers too (run-on-workers.ts). */
      threads: number;
      /** The memory limit the database was opened with (DuckDBStoreOptions.memoryLimit). */
      memoryLimit: string;
      /** DuckDBStoreOptions.ingestMemoryLimit. */
      ingestMemoryLimit: string;
      backfillRows: number;
      reopen?: Reopen;
    },
  ) {
    const limit = memoryLimitBytes(settings.memoryLimit);
    this.roomLimit = limit === undefined ? undefined : `${2 * limit}B`;
    const ingest = memoryLimitBytes(settings.ingestMemoryLimit);
    this.ingestLimit =
      limit !== undefined && ingest !== undefined && ingest < limit
        ? { setting: settings.ingestMemoryLimit, bytes: ingest }
        : undefined;
    this.memoryLimitSet = settings.memoryLimit;
  }

  /**
   * Opens the database again when `error` says DuckDB invalidated it. DuckDB invalidates a database on a fatal
   * error — a checkpoint that ran out of memory while queries held the buffer pool, a failed WAL write — and then
   * refuses every statement until the process opens it again: without this, the loader failed and the collector
   * refused every batch (503) until a restart. Opening it again replays its WAL (every committed load); the spool
   * still holds what was not committed, and the loader's next attempt loads it. Runs once per invalidated
   * database, after the write in progress, on the writer's queue; queries still running on the old database end
   * with their error. A reopen that fails leaves the old database in place, so the next error tries again.
   * `always`: open it again whatever the error says (a COMMIT out of memory, see commit).
   */
  private recover(error: unknown, from: DuckDBInstance, always = false): void {
    const { reopen } = this.settings;
    if (!reopen || this.closing || from !== this.instance || this.recovering) return;
    if (!always && !isInvalidated(error)) return;
    this.recovering = this.writes
      .run(async () => {
        if (this.closing) return;
        const old = { instance: this.instance, writer: this.writer, reader: this.summaryReader };
        const { instance, writer } = await reopen();
        this.instance = instance;
        this.writer = writer;
        this.summaryReader = undefined;
        this.loadedSinceCheckpoint = 0;
        this.rollbackPending = false;
        this.memoryLimitSet = this.settings.memoryLimit;
        this.reopenCount += 1;
        this.reopenFailure = undefined;
        // A drain still reading on the old reader ends with its error first.
        void this.drains.run(async () => old.reader?.closeSync());
        old.writer.closeSync();
        old.instance.closeSync();
      })
      .catch((reopenError) => {
        this.reopenFailure = cleanMessage(reopenError);
      })
      .finally(() => {
        this.recovering = undefined;
      });
  }

  /** Times the database was opened again after DuckDB invalidated it, since this store opened. */
  get reopened(): number {
    return this.reopenCount;
  }

  async migrate(): Promise<void> {
    await this.writer.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)',
    );
    const applied = await this.writer.runAndReadAll('SELECT coalesce(max(version), 0) FROM schema_migrations');
    const current = Number(applied.getRowsJS()[0][0]);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      const record = () =>
        this.writer.run('INSERT INTO schema_migrations VALUES ($v, $n, now())', {
          v: migration.version,
          n: migration.name,
        });
      const applies =
        migration.onlyIf === undefined ||
        (await this.writer.runAndReadAll(migration.onlyIf)).getRowsJS()[0][0] === true;
      await this.inTransaction(async () => {
        if (applies) for (const statement of migration.sql) await this.writer.run(statement);
        if (!applies || !migration.backfill) await record();
      });
      if (!applies || !migration.backfill) continue;
      for (const backfill of migration.backfill) await this.backfill(backfill);
      await record();
    }
  }

  /**
   * Runs `UPDATE table SET … WHERE …` over every row, `backfillRows` rowids per transaction, so that the memory an
   * UPDATE holds until its commit stays bounded however large the table (migrations.ts, Backfill).
   */
  private async backfill({ table, set, where }: Backfill): Promise<void> {
    const last = Number((await this.writer.runAndReadAll(`SELECT max(rowid) FROM ${table}`)).getRowsJS()[0][0] ?? -1);
    const sql = `UPDATE ${table} SET ${set} WHERE rowid >= $from AND rowid < $to${where ? ` AND (${where})` : ''}`;
    const rows = this.settings.backfillRows;
    for (let from = 0; from <= last; from += rows) {
      await this.inTransaction(() => this.writer.run(sql, { from, to: from + rows }));
    }
  }

  /**
   * Sets the actor-key rule. On a change, recomputes every stored key (a slice of rows per transaction, as a
   * migration's backfill), then records the rule and queues every device stream for summarizing again in one
   * transaction: a crash before that record recomputes again at the next open.
   */
  async setActorKey(rule: ActorKeyRule): Promise<void> {
    await this.serialised(async () => {
      const stored = await this.writer.runAndReadAll("SELECT value FROM store_settings WHERE name = 'actor_key'");
      if (stored.getRowsJS()[0]?.[0] === rule) return;
      const key = actorKeyRuleSql(rule, 'actor_id');
      await this.backfill({ table: 'events', set: `actor_key = ${key}, actor_hash = md5_number(${key})` });
      await this.inTransaction(async () => {
        await this.writer.run("UPDATE store_settings SET value = $rule WHERE name = 'actor_key'", { rule });
        for (const statement of actorKeyChangeSql()) await this.writer.run(statement);
      });
    });
  }

  /**
   * Loads in one transaction (load-segment.ts); a checkpoint follows, after the load returns, every CHECKPOINT_EVENTS.
   * A load that meets an invalidated database throws STORE_REOPENING (the collector goes on, the loader retries once
   * it is open again), or STORE_UNAVAILABLE when the last attempt to open it again failed (the collector refuses).
   */
  loadSegment(files: string | string[], segment: number): Promise<LoadedSegment> {
    const list = typeof files === 'string' ? [files] : files;
    return this.serialised(async () => {
      await this.limitForLoad(list);
      const load = () =>
        loadSegments({ writer: this.writer, inTransaction: (work) => this.inTransaction(work) }, list, segment);
      const loaded = await load()
        .catch(async (error) => {
          // A load whose rows took more memory than limitForLoad expected: again at the store's limit.
          const atIngestLimit = this.ingestLimit !== undefined && this.memoryLimitSet === this.ingestLimit.setting;
          if (
            !(error instanceof StoreError && error.code === 'STORE_OUT_OF_MEMORY') ||
            !atIngestLimit ||
            this.recovering
          )
            throw error;
          await this.setMemoryLimit(this.settings.memoryLimit);
          return load();
        })
        .catch((error) => {
          if (error instanceof StoreError && error.code === 'STORE_REOPENING' && this.reopenFailure !== undefined) {
            throw new StoreError('STORE_UNAVAILABLE', `the database could not be opened again: ${this.reopenFailure}`, {
              cause: error,
            });
          }
          throw error;
        });
      this.loadedSinceCheckpoint += loaded.events;
      // Queued on the writer behind this load, so the load is reported (visible) first; close() checkpoints anyway.
      if (this.loadedSinceCheckpoint >= CHECKPOINT_EVENTS && !this.closing)
        void this.writes.run(() => this.checkpointLoaded());
      return loaded;
    });
  }

  /**
   * Runs CHECKPOINT, what loads do every CHECKPOINT_EVENTS; when DuckDB refuses (another transaction is writing), the
   * next load tries again. Never throws: a checkpoint that invalidated the database is recovered from.
   *
   * A checkpoint that finds no room in the buffer pool is fatal in DuckDB (1.5.6: "Failed to create checkpoint …
   * could not allocate block"): the database is invalidated, every query running is lost and the collector refuses
   * batches until it is opened again. Queries beside ingestion can hold the whole pool (funnels with a breakdown at
   * 10 million events, docs/benchmarks.md, session 29), so the checkpoint runs with twice the limit (withRoom).
   */
  async checkpointLoaded(): Promise<void> {
    const instance = this.instance;
    try {
      await this.withRoom(() => this.writer.run('CHECKPOINT'));
      this.loadedSinceCheckpoint = 0;
    } catch (error) {
      this.recover(error, instance);
    }
  }

  /**
   * Runs `work` on the writer with room: twice the memory limit while a read is in flight beside it, set back after;
   * alone with the pool otherwise, reads that start meanwhile waiting for it (reads-in-flight.ts says why). For the
   * statements whose failure out of memory DuckDB does not survive: a checkpoint, and a COMMIT (see inTransaction).
   * Setting the limit back fails while queries hold more than it; the next load tries again.
   */
  private withRoom(work: () => Promise<unknown>): Promise<void> {
    return this.reads.run(work, async (statement) => {
      if (this.roomLimit !== undefined) await this.setMemoryLimit(this.roomLimit);
      try {
        await statement();
      } finally {
        await this.setMemoryLimit(this.settings.memoryLimit).catch(() => {});
      }
    });
  }

  /**
   * Sets DuckDB's memory limit to what it should be now: the ingest limit (DuckDBStoreOptions.ingestMemoryLimit) when
   * no read is in flight, set alone (reads that start meanwhile wait); the store's limit beside reads. Loads call it
   * first, and the last read to end queues it (lowerWhenIdle). Never throws: a SET that fails (DuckDB could not evict
   * enough) leaves the limit as it was, and the next load tries again.
   *
   * Why: DuckDB's buffer pool keeps the blocks each checkpoint writes and each read brings in until it reaches its
   * limit, and holds every row loaded since the last checkpoint (~1.6 KB an event); its allocator keeps the pages
   * loads and drains free (allocator.ts). So under steady ingestion the server sat near the limit plus the rest
   * (~420 MB at 10,000 events/s). With a low limit while the writer is alone, the table blocks are evicted (they are
   * on disk) and the rows past it wait in DuckDB's temporary file until the checkpoint writes them; each `SET` also
   * hands the allocator's free pages back to the system (BufferPool::SetLimit ends in Allocator::FlushAll). Reads
   * get the store's limit, so what queries can answer is unchanged. Measured in docs/benchmarks.md, "A low limit
   * while no read runs" (session 38).
   */
  private async settleMemoryLimit(): Promise<void> {
    const { memoryLimit } = this.settings;
    try {
      if (await this.reads.ifAlone(() => this.setMemoryLimit(this.ingestLimit?.setting ?? memoryLimit))) return;
      await this.setMemoryLimit(memoryLimit);
    } catch {
      // memoryLimitSet is undefined: the next load tries again.
    }
  }

  /**
   * Settles the memory limit before a load of `files` (settleMemoryLimit), or sets the store's limit when the load is
   * larger than the ingest limit holds: a load's rows stay in memory until its COMMIT, and a COMMIT that runs out of
   * memory is fatal to DuckDB (commit). Bursts and backlogs load at the store's limit, steady traffic at the
   * ingest limit. Never throws.
   */
  private async limitForLoad(files: string[]): Promise<void> {
    if (this.ingestLimit === undefined) return this.settleMemoryLimit();
    const bytes = files.reduce((sum, file) => sum + (fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
    if (LOAD_MEMORY_BASE + bytes * LOAD_MEMORY_PER_SEGMENT_BYTE <= this.ingestLimit.bytes)
      return this.settleMemoryLimit();
    await this.setMemoryLimit(this.settings.memoryLimit).catch(() => {});
  }

  /** Queues settleMemoryLimit on the writer when the last read in flight has ended (ReadsInFlight's onIdle). */
  private lowerWhenIdle(): void {
    if (this.ingestLimit === undefined || this.closing) return;
    void this.writes
      .run(async () => {
        if (!this.closing) await this.settleMemoryLimit();
      })
      .catch(() => {});
  }

  /**
   * Sets the store's memory limit before the first read in flight runs (ReadsInFlight's onBusy), on a connection of
   * its own: the writer may be loading. @throws what DuckDB threw (the read then runs at the ingest limit)
   */
  private async raiseMemoryLimit(): Promise<void> {
    if (this.ingestLimit === undefined || this.memoryLimitSet === this.settings.memoryLimit) return;
    const connection = await this.instance.connect();
    try {
      await this.setMemoryLimit(this.settings.memoryLimit, connection);
    } finally {
      connection.closeSync();
    }
  }

  /** Sets DuckDB's memory limit (a database-wide setting) on `connection`, the writer's by default. @throws what DuckDB threw */
  private async setMemoryLimit(setting: string, connection = this.writer): Promise<void> {
    if (this.memoryLimitSet === setting) return;
    this.memoryLimitSet = undefined;
    await connection.run(`SET memory_limit = '${setting.replaceAll("'", "''")}'`);
    this.memoryLimitSet = setting;
  }

  /** A DuckDB file has one writer: the process holding its lock. */
  readonly loadedByOthers = false;

  /**
   * Reads in a snapshot on the summarizer's own connection, then writes in one transaction on the writer after every
   * earlier write (summary-drain.ts): loads wait only for the write. One drain at a time.
   */
  drainSummaryQueue(summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>): Promise<boolean> {
    if (this.closing) return Promise.reject(closedError());
    let instance = this.instance;
    const drain = async () => {
      instance = this.instance;
      this.summaryReader ??= runOnWorkers(await instance.connect(), this.settings.threads);
      const reader = this.summaryReader;
      // A drain begun before close() still writes: close() waits for it.
      const write = (work: (writer: DuckDBConnection) => Promise<void>) =>
        this.writes.run(() => this.inTransaction(() => work(this.writer)));
      await drainQueue(reader, (work) => this.reads.read(work), write, summarize);
      return true;
    };
    return this.drains.run(drain).catch((error) => {
      this.recover(error, instance);
      throw wrap(error);
    });
  }

  write(statements: readonly { sql: string; params?: QueryParams }[]): Promise<void> {
    return this.serialised(() =>
      this.inTransaction(async () => {
        for (const { sql, params } of statements) await this.writer.run(sql, params as never);
      }),
    );
  }

  /** The database file's lock, taken at open, keeps every other process out already. */
  async claimWriter(): Promise<void> {}

  async checkpoint(): Promise<number> {
    const result = await this.query('SELECT segment FROM loader_state');
    return Number(result.rows[0][0]);
  }

  query(sql: string, params?: QueryParams, bounds?: QueryBounds): Promise<QueryResult> {
    // Not read-only: saved dashboards write through query().
    return this.inOwnTransaction('BEGIN TRANSACTION', async (connection) => {
      if (!bounds) {
        const result = await connection.run(sql, params as never);
        const { rows } = await readRows(result);
        return { columns: result.columnNames(), rows };
      }
      const read = await readBounded(connection, () => connection.stream(sql, params as never), bounds);
      if (read.cutBy) {
        throw new StoreError('STORE_RESULT_TOO_LARGE', `the answer is larger than ${bounds.maxBytes} bytes`);
      }
      return { columns: read.columns, rows: read.rows };
    });
  }

  scanStrings(sql: string, onValue: (value: string) => void, params?: QueryParams): Promise<void> {
    return this.inOwnTransaction(READ_ONLY, async (connection) => {
      for await (const chunk of chunksOf(await connection.stream(sql, params as never))) {
        const column = chunk.getColumnVector(0);
        for (let i = 0; i < chunk.rowCount; i++) {
          const value = column.getItem(i);
          if (typeof value === 'string') onValue(value);
        }
      }
    });
  }

  readOnlyQuery(sql: string, options: ReadOnlyQueryOptions): Promise<ReadOnlyQueryResult> {
    return this.inOwnTransaction(READ_ONLY, async (connection) => {
      const read = await readBounded(
        connection,
        async () => {
          // Before binding: binding a file reader already opens the file. It also counts the statements, which
          // extractStatements cannot do for none (it fails with a bare "Error in native callback").
          await checkSandbox(connection, sql);
          const extracted = await connection.extractStatements(sql).catch((error) => {
            throw new StoreError('STORE_QUERY_FAILED', cleanMessage(error));
          });
          const prepared = await extracted.prepare(0);
          if (prepared.statementType !== StatementType.SELECT) throw notSelect();
          return prepared.stream();
        },
        options,
      );
      return {
        columns: read.columns,
        rows: read.rows,
        truncated: read.cutBy !== undefined,
        ...(read.cutBy ? { truncatedReason: read.cutBy } : {}),
      };
    });
  }

  /**
   * Runs `work` on a connection of its own, inside one transaction begun by `begin`, then closes the connection.
   *
   * Why a transaction: the driver prepares a statement and executes it in two calls, and on their own each call is
   * an auto-commit transaction of its own. DuckDB (1.5.6) keeps the plan made at prepare time for a statement
   * without parameters, and that plan trusts the table statistics of that moment: with `events` still empty, the
   * ORDER BY's compressed materialization packed every VARCHAR into one byte and every BIGINT into a small integer.
   * A load committed between the two calls was then read through that plan: every string came back as one
   * character, chr(first byte + length - 1), and ets as garbage (issue 10; the same cause as duckdb/duckdb#23704,
   * whose fix #24696 covers SQL PREPARE only and is in no 1.5 release). In one transaction, the plan is made and
   * run on one snapshot, so the statistics it trusts cover every row it reads.
   * @throws StoreError as `wrap` maps the driver's errors.
   */
  private async inOwnTransaction<T>(begin: string, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closing) throw closedError();
    return this.reads.read(() => this.inOwnConnection(begin, work));
  }

  /** inOwnTransaction's work, once it counts as a read in flight. */
  private async inOwnConnection<T>(begin: string, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const instance = this.instance;
    const connection = await instance.connect();
    try {
      await connection.run(begin);
      const result = await work(connection);
      await connection.run('COMMIT');
      return result;
    } catch (error) {
      this.recover(error, instance);
      // Closing the connection would roll back too; an interrupted or failed transaction may refuse this.
      await connection.run('ROLLBACK').catch(() => {});
      throw wrap(error);
    } finally {
      connection.closeSync();
    }
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.drains.settled();
    await this.writes.settled();
    this.summaryReader?.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  /** Runs `work` after every earlier write; writes never interleave on the writer connection. */
  serialised<T>(work: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    return this.writes.run(work);
  }

  /**
   * Runs `work` counted as a read in flight, as queries and the summarizer's snapshot are: the writer's COMMITs and
   * CHECKPOINTs meanwhile get room (withRoom). For tests, where a squeezed limit stands for what a query holds.
   */
  reading<T>(work: () => Promise<T>): Promise<T> {
    return this.reads.read(work);
  }

  /** The writer connection, for tests that run a statement on it (test/support/store.ts). */
  get writeConnection(): DuckDBConnection {
    return this.writer;
  }

  /**
   * COMMITs the writer's transaction with room (withRoom). A COMMIT that runs out of memory all the same leaves the
   * table's rows miscounted in memory (DuckDB 1.5.6), and the next checkpoint finds "Corrupted in-memory column …
   * misaligned count" and invalidates the database; so the database is opened again from its WAL at once, which
   * holds every COMMIT that succeeded (recover). @throws what DuckDB threw
   */
  private async commit(instance: DuckDBInstance): Promise<void> {
    try {
      await this.withRoom(() => this.writer.run('COMMIT'));
    } catch (error) {
      this.recover(error, instance, OUT_OF_MEMORY.test(cleanMessage(error)));
      throw error;
    }
  }

  async inTransaction<T>(work: () => Promise<T>): Promise<T> {
    const instance = this.instance;
    try {
      if (this.rollbackPending) {
        await this.writer.run('ROLLBACK');
        this.rollbackPending = false;
      }
      await this.writer.run('BEGIN TRANSACTION');
    } catch (error) {
      this.recover(error, instance);
      throw wrap(error);
    }
    try {
      const result = await work();
      await this.commit(instance);
      return result;
    } catch (error) {
      this.recover(error, instance);
      await this.writer.run('ROLLBACK').catch((rollbackError) => {
        // The ROLLBACK itself out of memory: the transaction stays open, aborted, and refuses every statement.
        this.rollbackPending = !/no transaction is active/i.test(String((rollbackError as Error)?.message));
      });
      throw wrap(error);
    }
  }
}

/** Reads that never write: a second wall behind sql-sandbox.ts for user SQL. */
const READ_ONLY = 'BEGIN TRANSACTION READ ONLY';

function cleanMessage(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/** DuckDB's fatal errors, and what every later statement on a database they invalidated throws. */
function isInvalidated(error: unknown): boolean {
  return /FATAL Error|database has been invalidated/.test(String((error as Error)?.message ?? error));
}

function closedError(): StoreError {
  return new StoreError('STORE_UNAVAILABLE', 'the store is closed');
}

function wrap(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const message = cleanMessage(error);
  if (/interrupt/i.test(message))
    return new StoreError('STORE_TIMEOUT', 'the query ran past its time limit', { cause: error });
  if (/Permission Error|external access/i.test(message)) {
    return new StoreError('STORE_FILE_ACCESS_DISABLED', `file access is disabled for SQL queries: ${message}`, {
      cause: error,
    });
  }
  if (isInvalidated(error)) {
    return new StoreError('STORE_REOPENING', `the database is being opened again after a fatal error: ${message}`, {
      cause: error,
    });
  }
  if (/^Out of Memory Error/.test(message)) {
    return new StoreError('STORE_OUT_OF_MEMORY', `the store ran out of memory: ${message}`, { cause: error });
  }
  return new StoreError('STORE_QUERY_FAILED', message, { cause: error });
}
