import { actorKeySql } from './actor-key.js';
import { openFromSql } from './summary-drain-sql.js';

/**
 * Versioned schema migrations for the DuckDB store. Append only: what a released migration leaves is never
 * changed, a change is a new entry. Column names are public (users write them in SQL; see README).
 */

export interface Migration {
  version: number;
  name: string;
  /** Run in one transaction. With a backfill, each statement must be idempotent (IF NOT EXISTS …). */
  sql: string[];
  /**
   * Fills a new column of every existing row after `sql`, a slice of rows per transaction (duckdb-store.ts'
   * migrate), then the version is recorded. One UPDATE of every row keeps all the new values in memory until it
   * commits: on a store of 10 million events it ran out of 512 MB of DuckDB memory. A crash during the slices runs
   * the whole migration again, so `sql` and the backfill are idempotent.
   */
  backfill?: Backfill[];
  /**
   * A query of one boolean: when false, `sql` and `backfill` are skipped and the version recorded all the same. For a
   * change only a new store can take (DuckDB cannot alter a column's compression, for one).
   */
  onlyIf?: string;
}

/** `UPDATE <table> SET <set> WHERE <where>`, run over slices of rowids. Code constants only, never user text. */
export interface Backfill {
  table: string;
  set: string;
  where?: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events, failed events, batches, loader state',
    sql: [
      `CREATE TABLE events (
        mid VARCHAR NOT NULL,
        eid VARCHAR NOT NULL,
        ets BIGINT NOT NULL,          -- event time, epoch ms, as sent
        ts TIMESTAMP NOT NULL,        -- ets as a UTC timestamp, for SQL convenience
        syncts BIGINT NOT NULL,       -- receive time, epoch ms
        ver VARCHAR,
        actor_id VARCHAR,
        actor_type VARCHAR,
        channel VARCHAR,
        pdata_id VARCHAR,
        pdata_ver VARCHAR,
        pdata_pid VARCHAR,
        env VARCHAR,
        sid VARCHAR,
        did VARCHAR,
        cdata_type VARCHAR[],
        cdata_id VARCHAR[],
        tags VARCHAR[],
        object_id VARCHAR,
        object_type VARCHAR,
        object_ver VARCHAR,
        edata_type VARCHAR,
        edata_subtype VARCHAR,
        edata_mode VARCHAR,
        edata_id VARCHAR,
        edata_pageid VARCHAR,
        edata_uri VARCHAR,
        edata_duration DOUBLE,
        edata_rating DOUBLE,
        edata_query VARCHAR,
        raw VARCHAR NOT NULL          -- the event's JSON exactly as received
      )`,
      `CREATE TABLE failed_events (
        syncts BIGINT NOT NULL,
        mid VARCHAR,
        eid VARCHAR,
        reason VARCHAR NOT NULL,      -- one of the closed set of rejection codes
        errors VARCHAR[] NOT NULL,    -- the validator's messages
        batch_msgid VARCHAR,
        raw VARCHAR NOT NULL
      )`,
      `CREATE TABLE batches (
        msgid VARCHAR NOT NULL,
        syncts BIGINT NOT NULL,
        events INTEGER NOT NULL
      )`,
      `CREATE TABLE loader_state (segment BIGINT NOT NULL)`,
      `INSERT INTO loader_state VALUES (0)`,
      `CREATE TABLE summary_queue (
        did VARCHAR,
        channel VARCHAR,
        pdata_id VARCHAR,
        from_ets BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 2,
    name: 'sessions: workflow summaries and page times (analytics/sessions, docs/sessions.md)',
    sql: [
      `CREATE TABLE summaries (
        did VARCHAR NOT NULL,         -- the device stream: (did, channel, pdata_id), '' when absent
        channel VARCHAR NOT NULL,
        pdata_id VARCHAR NOT NULL,
        actor_id VARCHAR NOT NULL,    -- of the summary's first event ('' when absent)
        sid VARCHAR NOT NULL,
        type VARCHAR NOT NULL,        -- lower-cased edata.type of the START (app, session, player, ...)
        mode VARCHAR NOT NULL,
        depth INTEGER NOT NULL,       -- 0 = top level (a session); 1 = nested in one, ...
        start_time BIGINT NOT NULL,   -- epoch ms
        end_time BIGINT NOT NULL,
        start_ts TIMESTAMP NOT NULL,  -- start_time as a UTC timestamp
        time_spent DOUBLE NOT NULL,   -- seconds: gaps <= 600 s, each rounded to 2 decimals
        time_diff DOUBLE NOT NULL,    -- seconds: end_time - start_time
        interact_events_count INTEGER NOT NULL,
        interact_events_per_min DOUBLE NOT NULL,
        event_count INTEGER NOT NULL,
        events_summary MAP(VARCHAR, INTEGER) NOT NULL, -- eid -> count
        object_id VARCHAR,            -- object of the first event (the content for a player summary)
        object_type VARCHAR
      )`,
      `CREATE TABLE page_time (
        did VARCHAR NOT NULL,
        channel VARCHAR NOT NULL,
        pdata_id VARCHAR NOT NULL,
        actor_id VARCHAR NOT NULL,
        sid VARCHAR NOT NULL,
        pageid VARCHAR NOT NULL,
        env VARCHAR NOT NULL,
        start_time BIGINT NOT NULL,   -- the IMPRESSION's ets
        end_time BIGINT NOT NULL,
        start_ts TIMESTAMP NOT NULL,
        time_spent DOUBLE NOT NULL,   -- seconds, each gap credited once to this page
        event_count INTEGER NOT NULL
      )`,
    ],
  },
  {
    version: 3,
    name: 'sessions: incremental drains (summary_state, open rows; docs/sessions.md)',
    sql: [
      // Rows closed only because the stream's events ran out: replaced when the stream resumes.
      'ALTER TABLE summaries ADD COLUMN is_open BOOLEAN DEFAULT false',
      'ALTER TABLE page_time ADD COLUMN is_open BOOLEAN DEFAULT false',
      `CREATE TABLE summary_state (
        did VARCHAR NOT NULL,         -- the device stream, as in summaries
        channel VARCHAR NOT NULL,
        pdata_id VARCHAR NOT NULL,
        resume_ets BIGINT NOT NULL,   -- ets of the last event summarized: later events resume from here
        state VARCHAR NOT NULL        -- the summarizer's open tree and page view, JSON (analytics/sessions/resume-state.ts)
      )`,
    ],
  },
  {
    version: 4,
    name: 'events.ets_corrected: ets + the batch clock offset (derived; spool format 2)',
    sql: [
      'ALTER TABLE events ADD COLUMN IF NOT EXISTS ets_corrected BIGINT', // epoch ms: ets + the batch's clock_offset_ms
    ],
    backfill: [{ table: 'events', set: 'ets_corrected = ets' }],
  },
  {
    version: 5,
    name: 'dashboards and their saved insights (the dashboard UI)',
    sql: [
      `CREATE TABLE dashboards (
        id VARCHAR NOT NULL,          -- random UUID
        name VARCHAR NOT NULL,
        created_at BIGINT NOT NULL    -- epoch ms
      )`,
      `CREATE TABLE saved_insights (
        id VARCHAR NOT NULL,          -- random UUID
        dashboard_id VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,        -- trends, funnels, … (the /api/insights/<kind>)
        query VARCHAR NOT NULL,       -- the insight query, JSON, as checked by @telemetry/query
        position INTEGER NOT NULL,    -- order on its dashboard
        created_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    name: 'events.arrival_seq: the order events reached the store (derived; docs/analytics.md)',
    sql: [
      // Loaded rows keep their append order; rowid is that order for the rows already there.
      'ALTER TABLE events ADD COLUMN IF NOT EXISTS arrival_seq BIGINT',
    ],
    backfill: [{ table: 'events', set: 'arrival_seq = rowid + 1' }],
  },
  {
    version: 7,
    name: 'events.ingest_format: the wire format an event came in (derived; docs/posthog.md)',
    sql: [
      // 'sunbird' (a V3 batch) or 'posthog' (PostHog's capture API); what was sent stays in raw.
      "ALTER TABLE events ADD COLUMN ingest_format VARCHAR DEFAULT 'sunbird'",
    ],
  },
  {
    version: 8,
    name: 'the PostHog forwarder: its cursor and dead letters (sinks/posthog, docs/posthog.md)',
    sql: [
      `CREATE TABLE forward_state (
        sink VARCHAR PRIMARY KEY,     -- 'posthog'
        arrival_seq BIGINT NOT NULL,  -- events up to this arrival_seq are forwarded (or dead-lettered)
        updated_at BIGINT NOT NULL    -- epoch ms of the last commit
      )`,
      `CREATE TABLE forward_dead_letters (
        sink VARCHAR NOT NULL,
        mid VARCHAR NOT NULL,         -- the refused event (events.mid)
        arrival_seq BIGINT NOT NULL,
        status INTEGER NOT NULL,      -- PostHog's HTTP status (400, 413)
        answer VARCHAR NOT NULL,      -- PostHog's answer, at most 2000 characters
        failed_at BIGINT NOT NULL,    -- epoch ms of the last refusal
        attempts INTEGER NOT NULL,    -- refusals so far (telemetry forward-retry adds one each)
        PRIMARY KEY (sink, mid)
      )`,
    ],
  },
  {
    version: 9,
    name: 'saved_insights.layout: where an insight sits on its dashboard grid (the dashboard UI)',
    // JSON {"x","y","w","h"} in grid cells (12 columns); NULL: placed in order by `position`.
    sql: ['ALTER TABLE saved_insights ADD COLUMN layout VARCHAR'],
  },
  {
    version: 10,
    name: 'events.rollup_l1…l4, object_rollup_l1…l4: the organisation hierarchy as typed columns (docs/analytics.md)',
    // What was sent (context.rollup.*, object.rollup.*), read as the JSON reading of a path reads it
    // (json_extract_string); a PostHog event has no rollup (its raw is PostHog's JSON), as the loader gives it.
    sql: [
      ...[1, 2, 3, 4].flatMap((l) => [
        `ALTER TABLE events ADD COLUMN IF NOT EXISTS rollup_l${l} VARCHAR`,
        `ALTER TABLE events ADD COLUMN IF NOT EXISTS object_rollup_l${l} VARCHAR`,
      ]),
    ],
    backfill: [
      {
        table: 'events',
        set: [1, 2, 3, 4]
          .flatMap((l) => [
            `rollup_l${l} = json_extract_string(raw, '$.context.rollup.l${l}')`,
            `object_rollup_l${l} = json_extract_string(raw, '$.object.rollup.l${l}')`,
          ])
          .join(', '),
        where: "ingest_format = 'sunbird'",
      },
    ],
  },
  {
    version: 11,
    name: 'events.actor_key: the actor insights count, by the store setting actor_key (derived; docs/analytics.md)',
    sql: [
      // Store-wide settings that decide derived columns; the server sets them from its configuration (config.ts).
      'CREATE TABLE IF NOT EXISTS store_settings (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)',
      "INSERT OR IGNORE INTO store_settings VALUES ('actor_key', 'federated')",
      'ALTER TABLE events ADD COLUMN IF NOT EXISTS actor_key VARCHAR',
    ],
    backfill: [
      { table: 'events', set: `actor_key = ${actorKeySql('actor_id')}` },
      // Sessions summarized before this name their actor by the key from now on (the rule leaves a key unchanged).
      { table: 'summaries', set: `actor_id = ${actorKeySql('actor_id')}` },
      { table: 'page_time', set: `actor_id = ${actorKeySql('actor_id')}` },
    ],
  },
  {
    version: 12,
    name: 'cohorts: saved sets of actors by behaviour or property (analytics/cohorts.ts, docs/analytics.md)',
    sql: [
      `CREATE TABLE cohorts (
        id VARCHAR PRIMARY KEY,       -- random UUID
        name VARCHAR NOT NULL,
        description VARCHAR,
        definition VARCHAR NOT NULL,  -- the definition, JSON, as checked by @telemetry/query (CohortDefinition)
        created_at BIGINT NOT NULL,   -- epoch ms
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 13,
    name: "events.edata_size: edata.size (a search's result count) as a typed column (derived; the home page)",
    // The JSON reading of the path `edata.size` (a number, or text that reads as one; else NULL), kept beside
    // raw: counting searches with no result read raw whole (its values are scattered through every block).
    sql: ['ALTER TABLE events ADD COLUMN IF NOT EXISTS edata_size DOUBLE'],
    backfill: [{ table: 'events', set: "edata_size = TRY_CAST(json_extract_string(raw, '$.edata.size') AS DOUBLE)" }],
  },
  {
    version: 14,
    name: 'summary_queue.seq: the order entries were queued in (a drain clears only those it read; summary-drain.ts)',
    // Filled by each insert (QUEUE_STREAMS_SQL): a column default calling nextval broke the replay of a WAL that
    // held the ALTER ("no default database set", DuckDB 1.5), so a crash right after migrating could not reopen.
    sql: [
      'CREATE SEQUENCE IF NOT EXISTS summary_queue_seq',
      'ALTER TABLE summary_queue ADD COLUMN IF NOT EXISTS seq BIGINT',
      'UPDATE summary_queue SET seq = 0 WHERE seq IS NULL',
    ],
  },
  {
    version: 15,
    name: 'summary_queue: the streams without a saved state, from their first event (a drain reads a new stream from its queued events on; drain.ts readBound)',
    // Streams summarized before summary_state existed (migration 3) have rows but no state: a drain recomputes them,
    // and now reads a stream without state only from its earliest queued event. Queued here from their first event,
    // they are recomputed whole once, as before. A store made since migration 3 has none (LOG, AUDIT, SEARCH and
    // PostHog events are never summarized, and the loads queue the same).
    // The queue as it was then (no from_seq before migration 19), not queueStreamsSql, which follows the latest schema.
    sql: [
      `INSERT INTO summary_queue (did, channel, pdata_id, from_ets, seq)
        SELECT *, nextval('summary_queue_seq') FROM (SELECT did, channel, pdata_id, min(ets) FROM events
          WHERE eid NOT IN ('LOG', 'AUDIT', 'SEARCH') AND ingest_format = 'sunbird' AND NOT EXISTS (
            SELECT 1 FROM summary_state s WHERE s.did = coalesce(events.did, '')
              AND s.channel = coalesce(events.channel, '') AND s.pdata_id = coalesce(events.pdata_id, ''))
          GROUP BY ALL)`,
    ],
  },
  {
    version: 16,
    name: "summary_state.open_from: where a stream's open rows start (a resumed drain deletes only rows from there on)",
    // A drain replaces a resumed stream's open rows. Bounded below by the earliest start_time among them, its deletes
    // skip the row groups of older summaries and page views instead of scanning both tables whole (summary-drain.ts).
    sql: [
      'ALTER TABLE summary_state ADD COLUMN IF NOT EXISTS open_from BIGINT', // epoch ms; NULL: no open rows
      `UPDATE summary_state s SET open_from = o.open_from FROM (${openFromSql('summaries', 'page_time')}) o
        WHERE s.did = o.did AND s.channel = o.channel AND s.pdata_id = o.pdata_id`,
    ],
  },
  {
    version: 17,
    name: "session_paths: each session's page views in order, kept for the paths insight (derived; analytics/session-paths.ts)",
    // Filled after loads (refreshSessionPaths), in slices: a store from before it is brought up to date by the loader,
    // and until then paths read the views not yet kept from `events` (docs/analytics.md, Paths).
    sql: [
      `CREATE TABLE IF NOT EXISTS session_paths (
        sid VARCHAR NOT NULL,
        first_ets BIGINT NOT NULL,  -- the first and last page view's event time, epoch ms
        last_ets BIGINT NOT NULL,
        last_q BIGINT NOT NULL,     -- the largest arrival_seq among the views
        views STRUCT(ets BIGINT, q BIGINT, node VARCHAR)[] NOT NULL,  -- every page view, by (ets, arrival_seq)
        nodes VARCHAR[] NOT NULL,   -- the views' nodes, a node repeated right after itself kept once
        overflow BOOLEAN NOT NULL   -- more views than a row keeps (views and nodes empty): read from events
      )`,
    ],
  },
  {
    version: 18,
    name: "events.actor_hash: actor_key's 128-bit md5_number, how insights count and group actors (derived; dialect hashKey)",
    // Actor keys are UUIDs as text, too long for DuckDB's inlined strings: hashing them in each query cost 150 ms per
    // 10 million rows read, and distinct counts over the text twice that (docs/benchmarks.md, session 18).
    sql: ['ALTER TABLE events ADD COLUMN IF NOT EXISTS actor_hash UHUGEINT'],
    backfill: [{ table: 'events', set: 'actor_hash = md5_number(actor_key)' }],
  },
  {
    version: 19,
    name: 'summary_queue.from_seq: the earliest arrival_seq of the events an entry queues (a drain skips the row groups loaded before; summary-drain-sql.ts arrivalBound)',
    // Entries queued before it keep NULL: a drain that holds one reads without the bound, as before.
    sql: ['ALTER TABLE summary_queue ADD COLUMN IF NOT EXISTS from_seq BIGINT'],
  },
  {
    version: 20,
    name: 'events.mid and events.raw declared FSST-compressed (new stores: a checkpoint no longer tries the other methods on them)',
    // Both hold a different string per event, which DuckDB always compresses with FSST, but a checkpoint first analysed
    // them for dictionary compression as well: 30% of a checkpoint's CPU (docs/benchmarks.md, session 27). DuckDB has
    // no ALTER for a column's compression, so only an empty events table is created again, with the columns, types,
    // order and defaults the migrations before left; a store holding events keeps DuckDB's choice at each checkpoint.
    onlyIf: 'SELECT NOT EXISTS (SELECT 1 FROM events)',
    sql: [
      'DROP TABLE events',
      `CREATE TABLE events (
        mid VARCHAR NOT NULL USING COMPRESSION fsst, eid VARCHAR NOT NULL, ets BIGINT NOT NULL, ts TIMESTAMP NOT NULL,
        syncts BIGINT NOT NULL, ver VARCHAR, actor_id VARCHAR, actor_type VARCHAR, channel VARCHAR, pdata_id VARCHAR,
        pdata_ver VARCHAR, pdata_pid VARCHAR, env VARCHAR, sid VARCHAR, did VARCHAR, cdata_type VARCHAR[],
        cdata_id VARCHAR[], tags VARCHAR[], object_id VARCHAR, object_type VARCHAR, object_ver VARCHAR,
        edata_type VARCHAR, edata_subtype VARCHAR, edata_mode VARCHAR, edata_id VARCHAR, edata_pageid VARCHAR,
        edata_uri VARCHAR, edata_duration DOUBLE, edata_rating DOUBLE, edata_query VARCHAR,
        raw VARCHAR NOT NULL USING COMPRESSION fsst,
        ets_corrected BIGINT, arrival_seq BIGINT, ingest_format VARCHAR DEFAULT 'sunbird',
        rollup_l1 VARCHAR, object_rollup_l1 VARCHAR, rollup_l2 VARCHAR, object_rollup_l2 VARCHAR,
        rollup_l3 VARCHAR, object_rollup_l3 VARCHAR, rollup_l4 VARCHAR, object_rollup_l4 VARCHAR,
        actor_key VARCHAR, edata_size DOUBLE, actor_hash UHUGEINT
      )`,
    ],
  },
];
