/** The storage contract: every engine (DuckDB, ClickHouse) implements this, nothing above it knows the driver. */

export type Dialect = 'duckdb' | 'clickhouse';

/** Named query parameters: `$name` in DuckDB SQL, `{name:Type}` in ClickHouse SQL. */
export type QueryParams = Record<string, unknown>;

export interface QueryResult {
  columns: string[];
  /** JSON-safe values: BIGINT as number (string beyond 2^53), timestamps as ISO strings, lists as arrays. */
  rows: unknown[][];
}

export interface ReadOnlyQueryOptions {
  /** Rows returned at most; the answer says when more existed. */
  maxRows: number;
  /** The statement is interrupted after this many milliseconds. */
  timeoutMs: number;
}

export interface ReadOnlyQueryResult extends QueryResult {
  truncated: boolean;
}

/** What one load brought in. */
export interface LoadedSegment {
  segment: number;
  events: number;
  failed: number;
  batches: number;
  /** Events the store refused to load, moved to failed_events with reason `load_error`. */
  quarantined: number;
}

export interface Store {
  readonly dialect: Dialect;
  /**
   * Bulk-loads sealed spool segments (see spool/segment-format.ts), in one transaction through the
   * engine's own fast path, and records `segment` (the last of them) as the loader checkpoint in
   * the same transaction, so each segment is loaded exactly once across crashes. Records the
   * store refuses on their own go to failed_events (reason `load_error`) and the rest is loaded.
   * Throws StoreError STORE_UNAVAILABLE when the store cannot write at all (retry later).
   */
  loadSegment(files: string | string[], segment: number): Promise<LoadedSegment>;
  /** The last segment number committed by loadSegment (0 when none). */
  checkpoint(): Promise<number>;
  /** Internal, trusted SQL with bound parameters (analytics, API). */
  query(sql: string, params?: QueryParams): Promise<QueryResult>;
  /** Streams one column of strings (for rebuilding in-memory indexes at start-up). */
  scanStrings(sql: string, onValue: (value: string) => void): Promise<void>;
  /** User SQL: one SELECT/WITH statement, no writes, no file or network access, bounded rows and time. */
  readOnlyQuery(sql: string, options: ReadOnlyQueryOptions): Promise<ReadOnlyQueryResult>;
  /** Cheap liveness check: the engine answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_QUERY_FAILED'
  | 'STORE_READ_ONLY_VIOLATION'
  | 'STORE_TIMEOUT';

/** The one error type that leaves a store adapter; driver errors are wrapped, never re-thrown raw. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
