/**
 * The ClickHouse store's schema: versioned, append only (as store/duckdb/migrations.ts), each statement idempotent
 * (`IF NOT EXISTS`) because ClickHouse has no transaction to undo a migration cut short: a crash runs it again.
 * Column names and meanings are those of the DuckDB tables (the loader fills the same ones), so one SQL text reads
 * both where the dialects allow. Kept to what ClickHouse 18.16 (Debian's package) accepts and a current one still does.
 */

export interface ClickHouseMigration {
  version: number;
  name: string;
  /** Statements in order; an `addColumn` entry runs only when the column is missing (18.16 has no `IF NOT EXISTS`). */
  sql: (string | AddColumn)[];
}

/** `ALTER TABLE <table> ADD COLUMN <column> <definition>`, skipped when the table has the column already. */
export interface AddColumn {
  table: string;
  column: string;
  definition: string;
}

/** Leases kept by heartbeats (migration 6; writer-lease.ts). */
export const STORE_WRITERS_SQL = `CREATE TABLE IF NOT EXISTS store_writers (
        holder String,                    -- a random id per process
        host String,
        pid UInt32,
        claimed_ms Int64,                 -- the process's clock when it first claimed: orders claims of one second
        heartbeat_at DateTime('UTC'),     -- the server's time
        released UInt8                    -- 1: the holder stopped and gave the lease up
      ) ENGINE = MergeTree
      ORDER BY (holder, heartbeat_at)`;

/**
 * What a lease is for (migration 7): 'writer <n>' (one process loads as writer n), 'summarizer' (one drains),
 * 'migrations' (one migrates); '' in rows of a collector from before migration 7, which loaded as the only writer.
 */
export const LEASE_ROLE: AddColumn = { table: 'store_writers', column: 'role', definition: "String DEFAULT ''" };

/** The events table's columns, as DuckDB's (migration 1; migration 3 rebuilt the table around them). */
const EVENT_COLUMNS = `
        mid String,
        eid String,
        ets Int64,                        -- event time, epoch ms, as sent
        ts DateTime('UTC'),               -- ets as a UTC time, whole seconds (18.16 has no DateTime64)
        ets_corrected Int64,              -- epoch ms: ets + the batch's clock_offset_ms (derived)
        syncts Int64,                     -- receive time, epoch ms
        ver Nullable(String),
        actor_id Nullable(String),
        actor_key Nullable(String),       -- actor_id by the store's actor-key rule (derived)
        actor_type Nullable(String),
        channel Nullable(String),
        pdata_id Nullable(String),
        pdata_ver Nullable(String),
        pdata_pid Nullable(String),
        env Nullable(String),
        sid Nullable(String),
        did Nullable(String),
        cdata_type Array(String),
        cdata_id Array(String),
        tags Array(String),
        object_id Nullable(String),
        object_type Nullable(String),
        object_ver Nullable(String),
        edata_type Nullable(String),
        edata_subtype Nullable(String),
        edata_mode Nullable(String),
        edata_id Nullable(String),
        edata_pageid Nullable(String),
        edata_uri Nullable(String),
        edata_duration Nullable(Float64),
        edata_rating Nullable(Float64),
        edata_query Nullable(String),
        edata_size Nullable(Float64),
        rollup_l1 Nullable(String), rollup_l2 Nullable(String), rollup_l3 Nullable(String), rollup_l4 Nullable(String),
        object_rollup_l1 Nullable(String), object_rollup_l2 Nullable(String),
        object_rollup_l3 Nullable(String), object_rollup_l4 Nullable(String),
        arrival_seq Int64,                -- the order events reached this store (derived; per collector, see docs)
        ingest_format String,             -- 'sunbird' or 'posthog' (derived)
        raw String                        -- the event's JSON exactly as received
`;

const SUMMARY_COLUMNS = `did, channel, pdata_id, actor_id, sid, type, mode, depth, start_time, end_time, start_ts,
  time_spent, time_diff, interact_events_count, interact_events_per_min, event_count, events_summary, object_id,
  object_type, is_open`;
const PAGE_TIME_COLUMNS = `did, channel, pdata_id, actor_id, sid, pageid, env, start_time, end_time, start_ts,
  time_spent, event_count, is_open`;

/** The current rows of `table` (migration 4): of a committed drain, from the stream's base on, closed or its latest. */
function visibleRows(view: string, table: string, columns: string): string {
  return `CREATE VIEW IF NOT EXISTS ${view} AS
    SELECT ${columns} FROM ${table} ANY INNER JOIN (SELECT did, channel, pdata_id, latest, base FROM summary_streams)
      USING (did, channel, pdata_id)
    WHERE drain IN (SELECT drain FROM summary_drains WHERE committed = 1) AND drain >= base
      AND (is_open = 0 OR drain = latest)`;
}

/**
 * events, failed_events and batches de-duplicate on merge (ReplacingMergeTree): a load retried after a crash between
 * its inserts and its marker inserts its rows again, and copies of one event with one `mid` (a re-send through
 * another collector) share a sorting key (events': eid, ets, mid since migration 3) and fold into the first loaded. Reads that must count exactly use `FINAL` or `uniqExact(mid)`
 * (docs/clickhouse.md, "De-duplication").
 */
export const CLICKHOUSE_MIGRATIONS: ClickHouseMigration[] = [
  {
    version: 1,
    name: 'events, failed events, batches, loaded segments, store settings',
    sql: [
      // Sorting key (channel, eid, ets, mid): the common filters first; `mid` last makes it the de-duplication key.
      // A Nullable column cannot be a key column in 18.16, so the key reads channel as '' when absent.
      `CREATE TABLE IF NOT EXISTS events (${EVENT_COLUMNS}) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(ts)
      ORDER BY (ifNull(channel, ''), eid, ets, mid)`,
      // load_segment and seq (the record's place in that load's files) identify a record across retries of a load.
      `CREATE TABLE IF NOT EXISTS failed_events (
        syncts Int64,
        mid Nullable(String),
        eid Nullable(String),
        reason String,                    -- one of the closed set of rejection codes
        errors Array(String),             -- the validator's messages
        batch_msgid Nullable(String),
        raw String,
        load_segment Int64,
        seq UInt32
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(toDateTime(intDiv(syncts, 1000), 'UTC'))
      ORDER BY (load_segment, seq)`,
      `CREATE TABLE IF NOT EXISTS batches (
        msgid String,
        syncts Int64,
        events Int32,
        load_segment Int64,
        seq UInt32
      ) ENGINE = ReplacingMergeTree
      PARTITION BY toYYYYMM(toDateTime(intDiv(syncts, 1000), 'UTC'))
      ORDER BY (load_segment, seq)`,
      // One row per completed load, written after its rows: the checkpoint is the highest segment here.
      `CREATE TABLE IF NOT EXISTS loaded_segments (
        segment Int64,
        events Int64,
        failed Int64,
        batches Int64,
        loaded_at DateTime('UTC')
      ) ENGINE = ReplacingMergeTree
      ORDER BY segment`,
      `CREATE TABLE IF NOT EXISTS store_settings (
        name String,
        value String,
        updated_at DateTime('UTC')
      ) ENGINE = ReplacingMergeTree(updated_at)
      ORDER BY name`,
    ],
  },
  {
    version: 2,
    name: 'cohorts: saved sets of actors by behaviour or property (analytics/cohorts.ts, docs/analytics.md)',
    sql: [
      // DuckDB's columns, plus a version per id: 18.16 has no UPDATE or DELETE but asynchronous mutations, so a
      // replace inserts the next version and a delete a tombstone (`deleted`); reads take the highest version (FINAL).
      `CREATE TABLE IF NOT EXISTS cohorts (
        id String,                        -- random UUID
        name String,
        description Nullable(String),
        definition String,                -- the definition, JSON, as checked by @telemetry/query (CohortDefinition)
        created_at Int64,                 -- epoch ms
        updated_at Int64,
        deleted UInt8,                    -- 1: the cohort was deleted at updated_at
        version UInt64                    -- 1 when created, one more at each replace or delete
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY id`,
    ],
  },
  {
    version: 3,
    name: 'events: copies of one event fold into the first loaded, by the fields of the event itself',
    // Migration 1's table folded copies into the last inserted (with the retry's arrival_seq and syncts, where DuckDB
    // keeps the first), and its sorting key began with the channel, which an event without context.channel takes from
    // its request's headers: a re-send through another collector did not fold. ClickHouse cannot change a table's
    // engine or sorting key, so the table is rebuilt: copied into a new one, then swapped. Each step can run again
    // after a crash: a half-built table is dropped first, and the swap is one RENAME.
    sql: [
      'DROP TABLE IF EXISTS events_before_3',
      'DROP TABLE IF EXISTS events_rebuilt',
      `CREATE TABLE events_rebuilt (${EVENT_COLUMNS},
        -- the version ReplacingMergeTree keeps the highest of: the copy loaded first
        first_copy UInt64 MATERIALIZED toUInt64(9223372036854775807 - arrival_seq)
      ) ENGINE = ReplacingMergeTree(first_copy)
      PARTITION BY toYYYYMM(ts)
      ORDER BY (eid, ets, mid)`,
      // `*` leaves out MATERIALIZED columns on both sides.
      'INSERT INTO events_rebuilt SELECT * FROM events',
      'RENAME TABLE events TO events_before_3, events_rebuilt TO events',
      'DROP TABLE events_before_3',
    ],
  },
  {
    version: 4,
    name: 'sessions: summaries and page times kept by drain, visible once their drain commits (summary-drain.ts)',
    // 18.16 has no transactions and deletes only asynchronously, so a drain never deletes: it writes its rows tagged
    // with its number, then commits by one row in summary_drains. The views `summaries` and `page_time` show, per
    // device stream, the rows of committed drains from its last recomputation (`base`) on, where a row is closed or
    // from the stream's latest drain; what DuckDB's drain replaces in place. Same columns as DuckDB's tables, but
    // start_ts in whole seconds and events_summary as JSON text (18.16 has no Map).
    sql: [
      `CREATE TABLE IF NOT EXISTS summary_drains (
        drain Int64,                      -- 1, 2, … in the order drains start
        through_seq Int64,                -- the events it summarized: arrival_seq up to this
        committed UInt8,                  -- 0: started (its number is taken); 1: its rows are written and visible
        at DateTime('UTC')
      ) ENGINE = MergeTree
      ORDER BY drain`,
      `CREATE TABLE IF NOT EXISTS summary_state (
        did String, channel String, pdata_id String,
        drain Int64,                      -- the drain that wrote this state
        base Int64,                       -- the drain that last recomputed the stream from its first event
        resume_ets Int64,                 -- ets of the last event summarized
        state String                      -- the summarizer's state, JSON ('': none, the stream has no rows)
      ) ENGINE = MergeTree
      ORDER BY (did, channel, pdata_id, drain)`,
      `CREATE TABLE IF NOT EXISTS summary_rows (
        did String, channel String, pdata_id String,
        actor_id String, sid String, type String, mode String, depth Int32,
        start_time Int64, end_time Int64, start_ts DateTime('UTC'),
        time_spent Float64, time_diff Float64, interact_events_count Int32, interact_events_per_min Float64,
        event_count Int32, events_summary String, object_id Nullable(String), object_type Nullable(String),
        is_open UInt8, drain Int64
      ) ENGINE = MergeTree
      PARTITION BY toYYYYMM(start_ts)
      ORDER BY (channel, pdata_id, did, start_time)`,
      `CREATE TABLE IF NOT EXISTS page_time_rows (
        did String, channel String, pdata_id String,
        actor_id String, sid String, pageid String, env String,
        start_time Int64, end_time Int64, start_ts DateTime('UTC'), time_spent Float64, event_count Int32,
        is_open UInt8, drain Int64
      ) ENGINE = MergeTree
      PARTITION BY toYYYYMM(start_ts)
      ORDER BY (channel, pdata_id, did, start_time)`,
      `CREATE VIEW IF NOT EXISTS summary_streams AS
        SELECT did, channel, pdata_id, max(drain) AS latest, argMax(base, drain) AS base,
          argMax(resume_ets, drain) AS resume_ets, argMax(state, drain) AS state
        FROM summary_state WHERE drain IN (SELECT drain FROM summary_drains WHERE committed = 1)
        GROUP BY did, channel, pdata_id`,
      visibleRows('summaries', 'summary_rows', SUMMARY_COLUMNS),
      visibleRows('page_time', 'page_time_rows', PAGE_TIME_COLUMNS),
    ],
  },
  {
    version: 5,
    name: 'dashboards and their saved insights, kept as versions (analytics/saved-dashboards.ts)',
    // DuckDB's columns (its migrations 5 and 9), plus a version per id as for cohorts (migration 2): a rename, a
    // layout or a delete inserts the next version, a delete a tombstone (`deleted`); reads take the highest (FINAL).
    sql: [
      `CREATE TABLE IF NOT EXISTS dashboards (
        id String,                        -- random UUID
        name String,
        created_at Int64,                 -- epoch ms
        deleted UInt8,                    -- 1: the dashboard was deleted
        version UInt64                    -- 1 when created, one more at each rename or delete
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY id`,
      // An insight never moves to another dashboard, so (dashboard_id, id) keys its versions as id alone would.
      `CREATE TABLE IF NOT EXISTS saved_insights (
        id String,                        -- random UUID
        dashboard_id String,
        name String,
        kind String,                      -- trends, funnels, … (the /api/insights/<kind>)
        query String,                     -- the insight query, JSON, as checked by @telemetry/query
        position Int32,                   -- order on its dashboard
        created_at Int64,                 -- epoch ms
        layout Nullable(String),          -- JSON {"x","y","w","h"} in grid cells; NULL: placed in order by position
        deleted UInt8,                    -- 1: the insight (or its dashboard) was deleted
        version UInt64                    -- 1 when added, one more at each rename, arrangement or delete
      ) ENGINE = ReplacingMergeTree(version)
      ORDER BY (dashboard_id, id)`,
    ],
  },
  {
    version: 6,
    name: 'store_writers: the lease that lets one process load at a time (writer-lease.ts)',
    sql: [STORE_WRITERS_SQL],
  },
  {
    version: 7,
    name: 'several collectors: each loads as its own writer, with its own checkpoint and arrival order (docs/clickhouse.md)',
    // A writer (TELEMETRY_WRITER_ID; 0 before this migration) numbers its spool segments and its events' arrival_seq
    // on its own, so loaded_segments, failed_events and batches are keyed by it too: two writers' segment 3 are two
    // loads. Their sorting keys change, so the three tables are rebuilt as migration 3 rebuilt events. A load's
    // marker records its last arrival_seq (`through_seq`): what a drain may summarize is what loads have marked, not
    // what a load still running has inserted so far; rows from before take the highest arrival_seq then stored.
    sql: [
      { table: 'events', column: 'writer', definition: 'UInt16 DEFAULT 0 AFTER arrival_seq' },
      ...rebuild(
        'failed_events',
        `syncts Int64, mid Nullable(String), eid Nullable(String), reason String, errors Array(String),
        batch_msgid Nullable(String), raw String, load_segment Int64, seq UInt32, writer UInt16`,
        `PARTITION BY toYYYYMM(toDateTime(intDiv(syncts, 1000), 'UTC')) ORDER BY (writer, load_segment, seq)`,
        'syncts, mid, eid, reason, errors, batch_msgid, raw, load_segment, seq, toUInt16(0)',
      ),
      ...rebuild(
        'batches',
        'msgid String, syncts Int64, events Int32, load_segment Int64, seq UInt32, writer UInt16',
        `PARTITION BY toYYYYMM(toDateTime(intDiv(syncts, 1000), 'UTC')) ORDER BY (writer, load_segment, seq)`,
        'msgid, syncts, events, load_segment, seq, toUInt16(0)',
      ),
      ...rebuild(
        'loaded_segments',
        `segment Int64, events Int64, failed Int64, batches Int64, loaded_at DateTime('UTC'), writer UInt16,
        through_seq Int64`,
        'ORDER BY (writer, segment)',
        'segment, events, failed, batches, loaded_at, toUInt16(0), (SELECT toInt64(max(arrival_seq)) FROM events)',
      ),
      // A drain's watermark per writer (throughs[i] for writers[i]); empty in drains from before: writer 0, through_seq.
      { table: 'summary_drains', column: 'writers', definition: 'Array(UInt16)' },
      { table: 'summary_drains', column: 'throughs', definition: 'Array(Int64)' },
      LEASE_ROLE,
    ],
  },
  {
    version: 8,
    name: 'summary_queue: the streams a drain queued, under its number, for its read to join (summary-drain.ts)',
    // Before, the read took the queue again from the events; a merge folding re-sent copies in between could drop
    // streams queued only by those copies, which the drain then gave back nothing, hiding all their rows. Like
    // summary_state, a drain's rows stay (a few per stream per drain; 18.16 deletes only asynchronously).
    sql: [
      `CREATE TABLE IF NOT EXISTS summary_queue (
        drain Int64,
        did String, channel String, pdata_id String,
        resume UInt8,                     -- 1: continued from its saved state, reading its events after resume_ets
        resume_ets Int64
      ) ENGINE = MergeTree
      ORDER BY (drain, did, channel, pdata_id)`,
    ],
  },
];

/**
 * Statements that rebuild `table` with new `columns` and `engine` clauses (a ReplacingMergeTree), copying its rows
 * through `select` (its columns in the new order), as migration 3 rebuilt events: a copy, then one RENAME to swap.
 * Each can run again after a crash: a half-built copy or an old table left by a crash after the swap is dropped first.
 */
function rebuild(table: string, columns: string, engine: string, select: string): string[] {
  return [
    `DROP TABLE IF EXISTS ${table}_before_7`,
    `DROP TABLE IF EXISTS ${table}_rebuilt`,
    `CREATE TABLE ${table}_rebuilt (${columns}) ENGINE = ReplacingMergeTree ${engine}`,
    `INSERT INTO ${table}_rebuilt SELECT ${select} FROM ${table}`,
    `RENAME TABLE ${table} TO ${table}_before_7, ${table}_rebuilt TO ${table}`,
    `DROP TABLE ${table}_before_7`,
  ];
}

/** Records each applied migration (a version may be recorded twice after a crash: readers take the highest). */
export const SCHEMA_MIGRATIONS_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version UInt32,
  name String,
  applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree
ORDER BY version`;
