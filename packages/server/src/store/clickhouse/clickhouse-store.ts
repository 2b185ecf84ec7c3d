/**
 * The ClickHouse store: the Store port over ClickHouse's HTTP interface, through the official client
 * (@clickhouse/client, which works against 18.16: ping, JSON formats, inserts; not its error parsing, errors.ts). Values reach SQL only
 * through literal.ts (18.16 has no server-side parameters). What is not supported yet throws STORE_UNSUPPORTED
 * naming it (docs/clickhouse.md, "Not yet").
 */
import { Readable } from 'node:stream';
import {
  type ClickHouseClient,
  ClickHouseLogLevel,
  type ClickHouseSettings,
  createClient,
  drainStream,
} from '@clickhouse/client';
import {
  type ActorKeyRule,
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
import {
  CLUSTER_INSERT_TABLE,
  CLUSTER_PING,
  type ClusterOptions,
  checkCluster,
  clusterCreated,
  pingCluster,
  refuseWithoutCluster,
  useCluster,
} from './cluster.js';
import { toStoreError } from './errors.js';
import { inlineParams, literal } from './literal.js';
import { checkpoint, loadSegments } from './load-segment.js';
import {
  type AddColumn,
  CLICKHOUSE_MIGRATIONS,
  LEASE_ROLE,
  SCHEMA_MIGRATIONS_SQL,
  STORE_WRITERS_SQL,
} from './migrations.js';
import { Chunks, rowBinaryEncoder } from './row-binary.js';
import { drainQueue, summarizedElsewhere } from './summary-drain.js';
import { userStatement } from './user-sql.js';
import { toPortRows } from './values.js';
import { TIMINGS, WriterLease } from './writer-lease.js';

export interface ClickHouseStoreOptions {
  /** The server's HTTP interface, e.g. `http://127.0.0.1:8123`. */
  url: string;
  /** The database holding the tables; created when missing. A plain identifier (open-store.ts checks it). */
  database: string;
  /** User name. Default: `default`. */
  username?: string;
  /** Password. Default: empty. */
  password?: string;
  /** Who insights count (store.ts ActorKeyRule). Default: the stored setting (`federated` in a new store). */
  actorKey?: ActorKeyRule;
  /** Milliseconds one HTTP request may take before the client gives up. Default: 300,000 (5 minutes). */
  requestTimeoutMs?: number;
  /** Bytes per insert request, about, when loading segments. Default: 8 MiB. */
  insertBatchBytes?: number;
  /** Refuse a database that does not exist yet (commands that only read one) instead of creating it. Default false. */
  mustExist?: boolean;
  /**
   * This process's writer number (TELEMETRY_WRITER_ID, 0–1023): collectors loading into one database at once each
   * need their own; a second process with a number in use waits for its lease, then is refused. Default 0.
   */
  writer?: number;
  /** A cluster the events are spread over (cluster.ts); the URL's server keeps every other table. Default: none. */
  cluster?: ClusterOptions;
  /**
   * The user user SQL runs as (readOnlyQuery): read-only by its profile (`readonly=1`, with `max_result_rows` and
   * `max_execution_time`), and limited to the store's database in the server's users.xml. Default: the store's user,
   * under `readonly=1` per query, which can read other databases on the server.
   */
  sqlUser?: { username: string; password: string };
}

interface JsonCompact {
  meta: { name: string; type: string }[];
  data: unknown[][];
}

/** A plain SQL identifier: a database name is written into SQL as one (open-store.ts refuses others). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Connects, creates the database when missing (unless `mustExist`) and applies the migrations.
 * @throws StoreError STORE_UNAVAILABLE when the server does not answer or (`mustExist`) the database does not exist,
 *   STORE_QUERY_FAILED when it refuses the schema
 */
export async function openClickHouseStore(options: ClickHouseStoreOptions): Promise<ClickHouseStore> {
  if (!IDENTIFIER.test(options.database))
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `the ClickHouse database name "${options.database}" is not an identifier`,
    );
  const connect = (
    database: string,
    url = options.url,
    user = { username: options.username ?? 'default', password: options.password ?? '' },
  ) =>
    createClient({
      url,
      database,
      ...user,
      request_timeout: options.requestTimeoutMs ?? 300_000,
      log: { level: ClickHouseLogLevel.OFF },
      application: 'telemetry',
    });
  const admin = connect('default');
  try {
    if (options.mustExist) {
      const found = await admin.query({
        query: `SELECT count() FROM system.databases WHERE name = ${literal(options.database)}`,
        format: 'JSONCompact',
      });
      if (Number(((await found.json()) as JsonCompact).data[0][0]) === 0)
        throw new StoreError('STORE_UNAVAILABLE', `no store in the ClickHouse database ${options.database}`);
    }
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${options.database}` });
  } catch (error) {
    throw toStoreError(error);
  } finally {
    await admin.close();
  }
  const store = new ClickHouseStore(
    connect(options.database),
    options.insertBatchBytes ?? 8 * 1024 * 1024,
    options.database,
    options.writer ?? 0,
    options.cluster !== undefined,
  );
  try {
    await store.migrate(options.cluster && { ...options.cluster, connect: (url) => connect('default', url) });
    await store.useActorKey(options.actorKey);
    if (options.sqlUser) await store.useSqlUser(connect(options.database, options.url, options.sqlUser));
  } catch (error) {
    await store.close();
    throw toStoreError(error);
  }
  return store;
}

export class ClickHouseStore implements Store {
  readonly dialect = 'clickhouse' as const;
  /** Collectors with other writer numbers may load at the same time. */
  readonly loadedByOthers = true;
  private actorKey: ActorKeyRule = 'federated';
  /** Loads one at a time: each continues this writer's arrival_seq from its last. */
  private loading: Promise<unknown> = Promise.resolve();
  private draining: Promise<unknown> = Promise.resolve();
  /** Loads and drains are this process's only while it holds its writer number's lease. */
  private readonly lease: WriterLease;
  /** Of the collectors writing into the database, the one holding this lease drains the summary queue. */
  private readonly summarizer: WriterLease;
  private closing = false;
  /** The client user SQL runs through, as the SQL user (useSqlUser); the store's own without one. */
  private sqlClient: ClickHouseClient | undefined;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly insertBatchBytes: number,
    private readonly database: string,
    private readonly writer: number,
    /** Events are inserted into the cluster's Distributed table (cluster.ts), not into `events`. */
    private readonly clustered = false,
  ) {
    this.lease = new WriterLease(this.leaseDeps, `writer ${writer}`);
    this.summarizer = new WriterLease(this.leaseDeps, 'summarizer');
  }

  private get leaseDeps() {
    return {
      rows: (sql: string) => this.rows(sql),
      command: (sql: string) => this.command(sql),
      database: this.database,
    };
  }

  /** Waits for the database's writer lease (writer-lease.ts): loads and drains take it too, on their first call. */
  claimWriter(): Promise<void> {
    return this.lease.claim();
  }

  /**
   * Applies the migrations above the highest recorded (each statement is idempotent: a crash runs it again), one
   * process at a time: collectors started together would run the same table rebuilds over each other.
   * @throws StoreError STORE_LOCKED when another process migrates past the lease's wait, or when a collector of a
   *   version before migration 7 is still loading (it would load as writer 0 beside the new ones, by the old rules);
   *   as cluster.ts's useCluster and refuseWithoutCluster
   */
  async migrate(cluster?: ClusterOptions & { connect(url: string): ClickHouseClient }): Promise<void> {
    const reads = { rows: (sql: string) => this.rows(sql) };
    if (cluster) await checkCluster(reads, cluster);
    await this.command(SCHEMA_MIGRATIONS_SQL);
    const latest = CLICKHOUSE_MIGRATIONS[CLICKHOUSE_MIGRATIONS.length - 1].version;
    if ((await this.schemaVersion()) >= latest) {
      // A store migrated, and on a cluster whose tables are made, starts without the migrations lease.
      if (!cluster) return refuseWithoutCluster(reads);
      if (await clusterCreated(reads)) return pingCluster(reads, cluster);
    }
    // The lease's own table first (migrations 6 and 7 again later: no-ops then), as two starting processes may.
    await this.command(STORE_WRITERS_SQL).catch(unlessAlreadyThere);
    await this.addColumn(LEASE_ROLE).catch(unlessAlreadyThere);
    const lease = new WriterLease(this.leaseDeps, 'migrations');
    await lease.claim();
    try {
      const current = await this.schemaVersion();
      if (current < 7) await this.refuseEarlierCollectors();
      for (const migration of CLICKHOUSE_MIGRATIONS) {
        if (migration.version <= current) continue;
        for (const statement of migration.sql)
          await (typeof statement === 'string' ? this.command(statement) : this.addColumn(statement));
        await this.insertRows('schema_migrations', [
          { version: migration.version, name: migration.name, applied_at: nowSeconds() },
        ]);
      }
      if (cluster) await this.useCluster(cluster);
      else await refuseWithoutCluster(reads);
    } finally {
      await lease.release();
    }
  }

  private async useCluster(cluster: ClusterOptions & { connect(url: string): ClickHouseClient }): Promise<void> {
    const shards = new Map(cluster.shards.map((url) => [url, cluster.connect(url)]));
    try {
      await useCluster(
        {
          rows: (sql) => this.rows(sql),
          command: (sql) => this.command(sql),
          shardCommand: async (url, query) => {
            await (shards.get(url) as ClickHouseClient).command({ query }).catch((error: unknown) => {
              throw toStoreError(error);
            });
          },
          database: this.database,
        },
        cluster,
      );
    } finally {
      for (const client of shards.values()) await client.close();
    }
  }

  private async schemaVersion(): Promise<number> {
    return Number((await this.rows('SELECT max(version) FROM schema_migrations'))[0][0] ?? 0);
  }

  /** `ALTER TABLE … ADD COLUMN`, unless the table has the column (18.16 has no `IF NOT EXISTS` there). */
  private async addColumn({ table, column, definition }: AddColumn): Promise<void> {
    const [[present]] = await this.rows(`SELECT count() FROM system.columns
      WHERE database = currentDatabase() AND table = ${literal(table)} AND name = ${literal(column)}`);
    if (Number(present) === 0) await this.command(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }

  /**
   * Refuses to migrate to 7 while a collector from before it holds its lease (heartbeats with no role): it numbers
   * its segments from every writer's checkpoint and would mark the new collectors' loads as its own.
   */
  private async refuseEarlierCollectors(): Promise<void> {
    const [live] = await this.rows(`SELECT host, pid FROM store_writers WHERE role = ''
      GROUP BY holder, host, pid HAVING max(released) = 0 AND max(heartbeat_at) >= now() - ${TIMINGS.ttlS} LIMIT 1`);
    if (live)
      throw new StoreError(
        'STORE_LOCKED',
        `a collector of an earlier version is loading into the ClickHouse database ${this.database} (process ${live[1]} on ${live[0]}): stop every collector before upgrading, then start the new ones (docs/clickhouse.md, "Several collectors")`,
      );
  }

  /**
   * Reads the stored actor-key rule, storing `rule` in a new store. A change of the rule needs every stored key
   * recomputed, which this adapter does not do yet: it is refused.
   */
  async useActorKey(rule: ActorKeyRule | undefined): Promise<void> {
    const [stored] = await this.rows(
      "SELECT argMax(value, updated_at) FROM store_settings WHERE name = 'actor_key' HAVING count() > 0",
    );
    const current = stored?.[0] as ActorKeyRule | undefined;
    if (current === undefined) {
      this.actorKey = rule ?? 'federated';
      await this.insertRows('store_settings', [{ name: 'actor_key', value: this.actorKey, updated_at: nowSeconds() }]);
    } else if (rule !== undefined && rule !== current) {
      throw notYet(`changing the actor-key rule of a store (stored: ${current}, asked: ${rule})`);
    } else {
      this.actorKey = current;
    }
  }

  /**
   * Runs user SQL as `client`'s user from now on, once it is known to be read-only with limits and to read this
   * database: its profile's settings, since a `readonly=1` profile takes no settings with a query.
   * @throws StoreError STORE_UNAVAILABLE naming what the user lacks (its own error when it cannot log in or read)
   */
  async useSqlUser(client: ClickHouseClient): Promise<void> {
    this.sqlClient = client;
    const asUser = (sql: string) =>
      this.select(sql, {}, undefined, client).catch((error: unknown) => {
        throw new StoreError('STORE_UNAVAILABLE', `the SQL user cannot read the store: ${(error as Error).message}`);
      });
    const found = await asUser(`SELECT name, value FROM system.settings
      WHERE name IN ('readonly', 'max_result_rows', 'max_execution_time')`);
    const settings = Object.fromEntries(found.data.map(([name, value]) => [String(name), String(value)]));
    const lacking = [
      settings.readonly === '1' ? '' : 'readonly=1',
      Number(settings.max_result_rows) > 0 ? '' : 'max_result_rows',
      Number(settings.max_execution_time) > 0 ? '' : 'max_execution_time',
    ].filter(Boolean);
    if (lacking.length > 0)
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `the SQL user's profile lacks ${lacking.join(', ')} (users.xml; docs/clickhouse.md, "User SQL")`,
      );
    await asUser('SELECT count() FROM schema_migrations');
  }

  loadSegment(files: string | string[], segment: number): Promise<LoadedSegment> {
    if (this.closing) return Promise.reject(closedError());
    const list = typeof files === 'string' ? [files] : files;
    const load = this.loading.then(async () => {
      await this.lease.claim();
      return loadSegments(
        {
          rows: (sql) => this.rows(sql),
          insert: (table, rows) =>
            this.clustered && table === 'events'
              ? this.insertRows(CLUSTER_INSERT_TABLE, rows, { insert_distributed_sync: 1 })
              : this.insertRows(table, rows),
          actorKey: this.actorKey,
          batchBytes: this.insertBatchBytes,
          writer: this.writer,
        },
        list,
        segment,
      );
    });
    this.loading = load.catch(() => {});
    return load.catch((error) => {
      throw toStoreError(error);
    });
  }

  /** This writer's checkpoint: other writers number their segments on their own. */
  async checkpoint(): Promise<number> {
    return (await checkpoint({ rows: (sql) => this.rows(sql), writer: this.writer })).segment;
  }

  async query(sql: string, params?: QueryParams, bounds?: QueryBounds): Promise<QueryResult> {
    // An internal write (a saved cohort's row, analytics/cohorts.ts) has no rows to read: sent as a command, since a
    // SELECT's output format would be taken as the insert's data.
    if (/^\s*INSERT\s/i.test(sql)) {
      if (this.closing) throw closedError();
      await this.command(inlineParams(sql, params));
      return { columns: [], rows: [] };
    }
    const settings: Record<string, string> = {};
    if (bounds?.maxBytes !== undefined) {
      // The server counts bytes of its in-memory blocks, not of JSON: the JSON is measured again below.
      settings.max_result_bytes = String(bounds.maxBytes);
      settings.result_overflow_mode = 'throw';
    }
    const answer = await this.select(inlineParams(sql, params), settings, bounds?.deadline);
    if (bounds?.maxBytes !== undefined && jsonBytes(answer.data) > bounds.maxBytes)
      throw new StoreError('STORE_RESULT_TOO_LARGE', `the answer is larger than ${bounds.maxBytes} bytes`);
    return shape(answer);
  }

  /** Streams the first column (JSONEachRow, one row at a time): a start-up scan of every mid never holds them all. */
  async scanStrings(sql: string, onValue: (value: string) => void, params?: QueryParams): Promise<void> {
    if (this.closing) throw closedError();
    await this.each(inlineParams(sql, params), (row) => {
      // One column: its value is the object's only one, whatever the column's name.
      const [value] = Object.values(row);
      if (typeof value === 'string') onValue(value);
    });
  }

  /** Streams a read's rows (JSONEachRow: one object per row by column name, Int64 as text), never holding them all. */
  private async each(sql: string, onRow: (row: Record<string, unknown>) => void): Promise<void> {
    try {
      const result = await this.client.query({
        query: sql,
        format: 'JSONEachRow',
        clickhouse_settings: { max_query_size: maxQuerySize(sql) },
      });
      for await (const rows of result.stream<Record<string, unknown>>()) for (const row of rows) onRow(row.json());
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /**
   * User SQL under `readonly=1` (no writes, no settings, no table functions: file(), url(), numbers() and the like
   * are refused by the server), one statement starting with SELECT or WITH, refused with DuckDB's codes
   * (store/user-sql.ts: several statements, none, a table function reading files or not). Rows and bytes are cut
   * server-side (whole blocks, `result_overflow_mode=break`; as the SQL user, by its profile's limits) and then
   * exactly here. As the SQL user (useSqlUser), a database it may not read is STORE_ACCESS_DENIED.
   */
  async readOnlyQuery(sql: string, options: ReadOnlyQueryOptions): Promise<ReadOnlyQueryResult> {
    // Counted and classified as DuckDB's sandbox does, with its codes (user-sql.ts); the server refuses the rest.
    const statement = userStatement(sql);
    const settings: Record<string, string> = {
      readonly: '1',
      max_result_rows: String(options.maxRows + 1),
      result_overflow_mode: 'break',
    };
    if (options.maxBytes !== undefined) settings.max_result_bytes = String(options.maxBytes);
    const answer = await this.select(statement.text, settings, options.deadline, this.sqlClient).catch(
      (error: unknown) => {
        // The server's refusal of a table function names none; the statement's text does.
        throw error instanceof StoreError && error.code === 'STORE_FUNCTION_NOT_ALLOWED'
          ? statement.tableFunctionRefusal(error)
          : error;
      },
    );
    const { columns, rows } = shape(answer);
    let truncatedReason: 'rows' | 'bytes' | undefined;
    let bytes = 0;
    let kept = 0;
    for (; kept < rows.length; kept++) {
      if (kept === options.maxRows) {
        truncatedReason = 'rows';
        break;
      }
      bytes += jsonBytes([rows[kept]]);
      if (options.maxBytes !== undefined && bytes > options.maxBytes) {
        truncatedReason = 'bytes';
        break;
      }
    }
    return {
      columns,
      rows: rows.slice(0, kept),
      truncated: truncatedReason !== undefined,
      ...(truncatedReason ? { truncatedReason } : {}),
    };
  }

  /**
   * One drain at a time (summary-drain.ts: drains are numbered in order), each after the one before settles; of
   * several collectors, only the summarizer lease's holder drains; the others tell whether it has summarized what
   * they loaded.
   */
  drainSummaryQueue(summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>): Promise<boolean> {
    if (this.closing) return Promise.reject(closedError());
    const drain = this.draining.then(async () => {
      await this.lease.claim();
      if (!(await this.summarizer.hold())) return summarizedElsewhere(this.writer, (sql) => this.rows(sql));
      return drainQueue(
        {
          rows: (sql) => this.rows(sql),
          each: (sql, onRow) => this.each(sql, onRow),
          insert: (table, rows) => this.insertRows(table, rows),
          stillSummarizer: () => this.summarizer.hold(),
        },
        summarize,
      );
    });
    this.draining = drain.catch(() => {});
    return drain.catch((error) => {
      throw toStoreError(error);
    });
  }

  write(_statements: readonly { sql: string; params?: QueryParams }[]): Promise<void> {
    return Promise.reject(notYet('a write of several statements as one (ClickHouse has no such transactions)'));
  }

  /** On a cluster, through every shard (cluster.ts): /health says so when one does not answer. */
  async ping(): Promise<void> {
    await this.rows(this.clustered ? CLUSTER_PING : 'SELECT 1');
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.loading;
    await this.draining;
    await this.summarizer.release();
    await this.lease.release();
    await this.sqlClient?.close();
    await this.client.close();
  }

  /**
   * A SELECT as JSONCompact, with `settings`, interrupted at `deadline` (epoch ms) by the server and by the client.
   * Through the SQL user's client (useSqlUser), whose `readonly=1` profile refuses any setting, none are sent: its
   * profile's limits hold, and the client stops waiting at the deadline.
   */
  private async select(
    sql: string,
    settings: Record<string, string>,
    deadline?: number,
    client = this.client,
  ): Promise<JsonCompact> {
    if (this.closing) throw closedError();
    settings.max_query_size = maxQuerySize(sql);
    let timer: NodeJS.Timeout | undefined;
    const abort = new AbortController();
    if (deadline !== undefined) {
      const left = deadline - Date.now();
      if (left <= 0) throw new StoreError('STORE_TIMEOUT', 'the query ran past its time limit');
      settings.max_execution_time = String(Math.max(1, Math.ceil(left / 1000)));
      settings.timeout_overflow_mode = 'throw';
      timer = setTimeout(() => abort.abort(), left);
    }
    try {
      const result = await client.query({
        query: sql,
        format: 'JSONCompact',
        clickhouse_settings: client === this.client ? settings : {},
        abort_signal: abort.signal,
      });
      return (await result.json()) as JsonCompact;
    } catch (error) {
      if (abort.signal.aborted) throw new StoreError('STORE_TIMEOUT', 'the query ran past its time limit');
      throw toStoreError(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Internal reads: rows of a statement without values in it. */
  private async rows(sql: string): Promise<unknown[][]> {
    return shape(await this.select(sql, {})).rows;
  }

  private async command(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Each table's columns (name, type) as the server reports them, read once: what an insert encodes. */
  private readonly columns = new Map<string, Promise<{ name: string; type: string }[]>>();

  /** Inserts `rows` into `table` as one RowBinary request (row-binary.ts: exact doubles on 18.16). */
  private async insertRows(
    table: string,
    rows: Record<string, unknown>[],
    settings?: ClickHouseSettings,
  ): Promise<void> {
    if (!this.columns.has(table)) {
      const read = this.rows(
        // A MATERIALIZED column (events.first_copy) is computed by the server and cannot be inserted.
        `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = ${literal(table)}
          AND default_kind != 'MATERIALIZED'`,
      ).then((found) => found.map(([name, type]) => ({ name: String(name), type: String(type) })));
      this.columns.set(table, read);
      read.catch(() => this.columns.delete(table));
    }
    const columns = await (this.columns.get(table) as Promise<{ name: string; type: string }[]>);
    const encode = rowBinaryEncoder(columns);
    const out = new Chunks();
    for (const row of rows) encode(row, out);
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} (${columns.map(({ name }) => name).join(', ')}) FORMAT RowBinary`,
        values: Readable.from([out.join()]),
        clickhouse_settings: settings,
      });
      await drainStream(result.stream);
    } catch (error) {
      throw toStoreError(error);
    }
  }
}

function shape(answer: JsonCompact): QueryResult {
  return {
    columns: answer.meta.map(({ name }) => name),
    rows: toPortRows(
      answer.data,
      answer.meta.map(({ type }) => type),
    ),
  };
}

/** Bytes of `rows` as JSON (UTF-8), as the port's maxBytes counts them. */
function jsonBytes(rows: unknown[][]): number {
  let bytes = 0;
  for (const row of rows) bytes += Buffer.byteLength(JSON.stringify(row));
  return bytes;
}

/**
 * The `max_query_size` a query needs: literals make long queries (a string's non-ASCII bytes are written 4 characters
 * each), and the server's default (256 KiB) must not refuse a query for the values it holds. The client appends
 * `FORMAT …` to the text, hence the margin.
 */
function maxQuerySize(sql: string): string {
  return String(Math.max(262_144, Buffer.byteLength(sql) + 1024));
}

/** Ignores ClickHouse's "already exists" (a table or column another starting process made a moment ago). */
function unlessAlreadyThere(error: unknown): void {
  if (!/already exists/i.test(String((error as Error)?.message ?? error))) throw error;
}

/** Now as a DateTime: whole seconds since the epoch. */
function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function closedError(): StoreError {
  return new StoreError('STORE_UNAVAILABLE', 'the store is closed');
}

/** What this adapter does not do yet, named (docs/clickhouse.md, "Not yet"). */
function notYet(what: string): StoreError {
  return new StoreError('STORE_UNSUPPORTED', `not yet supported on the ClickHouse store: ${what}`);
}
