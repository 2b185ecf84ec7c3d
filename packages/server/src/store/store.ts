/** The storage contract: every engine (DuckDB, ClickHouse) implements this, nothing above it knows the driver. */
import type { StreamEnd } from '../analytics/sessions/summarize-stream.js';
import type { StreamEvent, StreamKey } from '../analytics/sessions/types.js';

/**
 * The mode of a directory the product creates for its data (a data directory, a DuckDB file's folder, before the
 * umask): its user's alone, since the events name people (docs/security.md).
 */
export const DATA_DIR_MODE = 0o700;

export type Dialect = 'duckdb' | 'clickhouse';

/**
 * Who insights count as one actor (events.actor_key; the rule in docs/analytics.md): `federated` strips Sunbird's
 * federated-id prefix (`f:<org-id>:`) from actor.id, `as-sent` keeps actor.id. TELEMETRY_ACTOR_KEY's values.
 */
export const ACTOR_KEY_RULES = ['federated', 'as-sent'] as const;
export type ActorKeyRule = (typeof ACTOR_KEY_RULES)[number];

/** Named query parameters: `$name` in DuckDB SQL, `{name:Type}` in ClickHouse SQL. */
export type QueryParams = Record<string, unknown>;

export interface QueryResult {
  columns: string[];
  /** JSON-safe values: BIGINT as number (string beyond 2^53), timestamps as ISO strings, lists as arrays. */
  rows: unknown[][];
}

/**
 * Limits on one read, enforced by the adapter while the result is produced (not after it is built).
 * Both optional: internal reads (loader, summarizer) run unbounded.
 */
export interface QueryBounds {
  /** Epoch ms (UTC) after which the statement is interrupted; a read not started by then never starts. */
  deadline?: number;
  /** Bytes of the JSON rows at most (measured as each row is read); past it the read stops. */
  maxBytes?: number;
}

export interface ReadOnlyQueryOptions extends QueryBounds {
  /** Rows returned at most; the answer says when more existed. */
  maxRows: number;
}

export interface ReadOnlyQueryResult extends QueryResult {
  /** True when rows were cut off; `truncatedReason` says which limit cut them. */
  truncated: boolean;
  /** 'rows' (maxRows reached) or 'bytes' (maxBytes reached); absent when not truncated. */
  truncatedReason?: 'rows' | 'bytes';
}

/** What one load brought in. */
export interface LoadedSegment {
  segment: number;
  events: number;
  failed: number;
  batches: number;
  /** Events the store refused to load, moved to failed_events with reason `load_error`. */
  quarantined: number;
  /**
   * The mids of the events this load moved to failed_events as `load_error` (refused by the store, or unreadable and
   * rewritten) and that the store does not hold: a re-send must not be answered "duplicate" (the pipeline forgets them
   * from its de-duplication index, as a restart's scan would).
   */
  quarantinedMids: string[];
}

/** A device stream the loads touched, queued for the summarizer, with where its saved state lets it resume. */
export interface QueuedStream extends StreamKey {
  /**
   * True when every event loaded since the last drain is strictly after `resumeEts` (a tie is recomputed): the
   * summarizer continues from `state` and is given only the events after `resumeEts`. False: it is given all the
   * stream's events and recomputes it from its first one.
   */
  resume: boolean;
  /** The summarizer's saved state (analytics/sessions/resume-state.ts) when `resume`, else null. */
  state: string | null;
  /** Epoch ms of the last event the saved state has seen; null when the stream has no saved state. */
  resumeEts: number | null;
  /**
   * Epoch ms of the earliest event loaded since the stream's last drain. A stream with no saved state has no event to
   * summarize before it: a drain gives every stream that has one a state, and migration 15 queued the streams an
   * older store left without one from their first event (docs/sessions.md, "What a drain reads").
   */
  fromEts: number;
}

/** What the summarizer gives back for one queued stream: its rows and its state at the end of its events. */
export interface SummarizedStream {
  stream: StreamKey;
  end: StreamEnd;
}

/** One drain of the summary queue, as the store hands it to the summarizer (Store.drainSummaryQueue). */
export interface SummaryDrain {
  /** The queued streams, each once, ordered by (did, channel, pdata_id); never empty. */
  readonly streams: readonly QueuedStream[];
  /**
   * Reads the events to summarize (call it once), calling `onEvent(index, event)` with the stream's index in `streams`:
   * ordered by stream, then `ets`, then load order (stable, as Sunbird's sort). For a resumed stream only the events
   * after its `resumeEts`, for the others all; never LOG, AUDIT or SEARCH (Sunbird's server events). `after`, when
   * not null, is an epoch-ms bound every stream's events to give lie above (drain.ts `readBound`): a hint that lets
   * an engine skip old data, not a filter that changes the events given.
   * @returns how many events were read
   */
  readEvents(after: number | null, onEvent: (index: number, event: StreamEvent) => void): Promise<number>;
}

export interface Store {
  readonly dialect: Dialect;
  /**
   * Whether other processes may load into this store while this one runs (ClickHouse: several collectors, each its
   * own writer). Their loads queue work for whichever process summarizes, so the summarizer runs on a timer too.
   */
  readonly loadedByOthers: boolean;
  /**
   * Bulk-loads sealed spool segments (see spool/segment-format.ts), in the order given, through the engine's own
   * fast path; `segment` is the number of the last of them. Records the store refuses on their own go to
   * failed_events (reason `load_error`) and the rest is loaded. Queues the device streams the events touch for the
   * summarizer (drainSummaryQueue).
   *
   * The invariant every engine keeps: loading a segment is idempotent. Loading segments up to `segment` again (a
   * retry after an error, or after a crash at any point of a call) stores nothing a single load would not have
   * stored, and once a call has resolved, checkpoint() ≥ `segment`. Callers load segments in increasing order (the
   * loader does).
   *
   * How DuckDB keeps it (store/duckdb/load-segment.ts): the rows, the summary queue entries and the checkpoint
   * commit in one transaction, and a call whose `segment` is at or below the checkpoint loads nothing. The
   * checkpoint is a high-water mark, not a marker per segment: a segment handed over after a higher one is skipped.
   * It does not de-duplicate by `mid`: one event in two segments is stored twice; the collector keeps such copies
   * out of the spool (ingest/dedup-index.ts, rebuilt at start-up from the spool and `events`). An engine without
   * multi-statement transactions (ClickHouse), where a crash can leave part of a load behind, needs a marker per
   * segment and de-duplication by `mid` to keep the same invariant.
   *
   * Throws StoreError STORE_UNAVAILABLE when the store cannot write at all (retry later; the collector refuses
   * batches meanwhile), STORE_OUT_OF_MEMORY when the engine's memory was taken and STORE_REOPENING while the
   * database is opened again after a fatal error (retry soon; the collector goes on).
   */
  loadSegment(files: string | string[], segment: number): Promise<LoadedSegment>;
  /**
   * Makes this process the store's one writer (loads, drains), or throws StoreError STORE_LOCKED naming the one that
   * is. DuckDB: the database file's lock, taken at open, already does (a no-op). ClickHouse: a lease kept by
   * heartbeats (store/clickhouse/writer-lease.ts), waited for while a stopped writer's lease runs out.
   */
  claimWriter(): Promise<void>;
  /** The highest segment number loadSegment has committed (0 when none): segments up to it are loaded. */
  checkpoint(): Promise<number>;
  /**
   * Internal, trusted SQL with bound parameters (analytics, API). With `bounds`, a read past its deadline
   * throws STORE_TIMEOUT and one past `maxBytes` throws STORE_RESULT_TOO_LARGE (never a partial answer).
   */
  query(sql: string, params?: QueryParams, bounds?: QueryBounds): Promise<QueryResult>;
  /**
   * The summarizer's step (analytics/sessions/drain.ts): takes the device streams the loads queued, hands them to
   * `summarize` with their events (the queue and the events as of one moment), then, as one write, replaces their rows
   * in `summaries` and `page_time` with the rows it returns (all of a recomputed stream's rows, only the open ones of a
   * resumed stream), replaces each stream's resume state with the returned one and removes from the queue the entries
   * it read. A queued stream `summarize` returns nothing for is left without the rows it would have replaced and
   * without a state. A failure (of `summarize` or of the write) leaves the tables and the queue as they were, to be
   * drained again. `summarize` is not called when the queue is empty. Loads may commit while `summarize` runs (the
   * write waits for them, and they for the write only); what they queue stays for the next drain. One drain at a time.
   * On a ClickHouse store with several collectors, only the one holding the summarizer lease drains; the others
   * only check how far it has got.
   * @returns whether everything this process loaded before the call is summarized now (false: another process
   *   summarizes and has not got that far yet; ask again later)
   * @throws StoreError as `query` does; an error `summarize` throws comes back as STORE_QUERY_FAILED, its cause kept
   */
  drainSummaryQueue(summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>): Promise<boolean>;
  /**
   * Internal, trusted statements with bound parameters, run in order in one transaction after every earlier write
   * (loads, drains): all of them or none (analytics/session-paths.ts keeps a derived table this way).
   * @throws StoreError as `query` does; on ClickHouse, which has no multi-statement transactions, STORE_QUERY_FAILED
   */
  write(statements: readonly { sql: string; params?: QueryParams }[]): Promise<void>;
  /** Streams one column of strings, with bound `params` (for rebuilding in-memory indexes at start-up). */
  scanStrings(sql: string, onValue: (value: string) => void, params?: QueryParams): Promise<void>;
  /**
   * User SQL: one SELECT/WITH statement, no writes, no file or network access, only allow-listed table
   * functions; rows and bytes cut off with `truncated`, time bounded by `deadline` (STORE_TIMEOUT).
   */
  readOnlyQuery(sql: string, options: ReadOnlyQueryOptions): Promise<ReadOnlyQueryResult>;
  /** Cheap liveness check: the engine answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'STORE_LOCKED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_QUERY_FAILED'
  /** What this store's engine does not do yet, named (docs/clickhouse.md, "Not yet"): not a fault of the query. */
  | 'STORE_UNSUPPORTED'
  | 'STORE_READ_ONLY_VIOLATION'
  /** User SQL tried to read a file or URL: file access is off for user queries. */
  | 'STORE_FILE_ACCESS_DISABLED'
  /** User SQL named a function outside the sandbox's allowlist (settings, catalog internals, checkpoint). */
  | 'STORE_FUNCTION_NOT_ALLOWED'
  /** User SQL read a database its user may not (ClickHouse's SQL user, limited to the store's database). */
  | 'STORE_ACCESS_DENIED'
  | 'STORE_TIMEOUT'
  /** The engine ran out of its memory limit (TELEMETRY_DUCKDB_MEMORY) for this statement: retry, or raise the limit. */
  | 'STORE_OUT_OF_MEMORY'
  /** A bounded internal read produced more than its maxBytes. */
  | 'STORE_RESULT_TOO_LARGE'
  /** The read queue is full (see store/read-gate.ts): retry later. */
  | 'STORE_BUSY'
  /**
   * The database is being opened again after a fatal error of its engine (DuckDB invalidated it): retry in a moment.
   * Unlike STORE_UNAVAILABLE, the collector goes on taking batches into the spool meanwhile.
   */
  | 'STORE_REOPENING';

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
