/**
 * Keeps `summaries` and `page_time` up to date: takes the device streams the loader queued in
 * `summary_queue`, recomputes each of them, replaces their rows and clears the queue, all in one
 * transaction (so a crash leaves the queue to be drained again at start-up).
 *
 * A touched stream is recomputed from its first event, not from `from_ets`: Sunbird's summarizer
 * keeps its tree across a session break (types, first event, last time), so no later point of a
 * stream is a clean restart. Streams are per (device, channel, producer), so this stays small.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { DuckDBStore } from '../../store/duckdb/duckdb-store.js';
import { summarizeStream } from './summarize-stream.js';
import type { PageTimeRow, StreamEvent, SummarizerOptions, SummaryRow } from './types.js';

export interface DrainResult {
  streams: number;
  summaries: number;
}

/** Events read and summarized per round trip: big enough to amortise the query, small enough for memory. */
const BATCH_EVENTS = 250_000;

const SQL = {
  keys: `CREATE TEMP TABLE drain_keys AS
    SELECT row_number() OVER (ORDER BY did, channel, pdata_id) AS idx, did, channel, pdata_id
    FROM (SELECT DISTINCT coalesce(did, '') AS did, coalesce(channel, '') AS channel, coalesce(pdata_id, '') AS pdata_id
          FROM summary_queue)`,
  // One sort for the whole drain; rowid keeps load order among equal ets (Sunbird's sort is stable).
  events: `CREATE TEMP TABLE drain_events AS
    SELECT k.idx, e.rowid AS ord, e.eid, e.ets, e.actor_id, e.sid, e.env, e.edata_type, e.edata_mode,
      e.edata_pageid, e.object_id, e.object_type
    FROM events e JOIN drain_keys k
      ON coalesce(e.did, '') = k.did AND coalesce(e.channel, '') = k.channel AND coalesce(e.pdata_id, '') = k.pdata_id
    WHERE e.eid NOT IN ('LOG', 'AUDIT', 'SEARCH')
    ORDER BY k.idx, e.ets, ord`,
  sizes: 'SELECT idx, count(*) FROM drain_events GROUP BY idx ORDER BY idx',
  batch: `SELECT d.idx, k.did, k.channel, k.pdata_id, d.eid, d.ets::DOUBLE, d.actor_id, d.sid, d.env, d.edata_type,
      d.edata_mode, d.edata_pageid, d.object_id, d.object_type
    FROM drain_events d JOIN drain_keys k USING (idx)
    WHERE d.idx BETWEEN $from AND $to ORDER BY d.idx, d.ets, d.ord`,
  deleteSummaries: `DELETE FROM summaries s USING drain_keys k
    WHERE s.did = k.did AND s.channel = k.channel AND s.pdata_id = k.pdata_id`,
  deletePages: `DELETE FROM page_time p USING drain_keys k
    WHERE p.did = k.did AND p.channel = k.channel AND p.pdata_id = k.pdata_id`,
  stageSummaries: `CREATE TEMP TABLE drain_summaries AS
    SELECT * EXCLUDE (start_ts, events_summary), ''::VARCHAR AS events_summary FROM summaries LIMIT 0`,
  stagePages: 'CREATE TEMP TABLE drain_pages AS SELECT * EXCLUDE (start_ts) FROM page_time LIMIT 0',
  insertSummaries: `INSERT INTO summaries BY NAME
    SELECT * EXCLUDE (events_summary), epoch_ms(start_time) AS start_ts,
      CAST(events_summary::JSON AS MAP(VARCHAR, INTEGER)) AS events_summary
    FROM drain_summaries`,
  insertPages: 'INSERT INTO page_time BY NAME SELECT *, epoch_ms(start_time) AS start_ts FROM drain_pages',
  clear: 'DELETE FROM summary_queue',
  drop: ['drain_keys', 'drain_events', 'drain_summaries', 'drain_pages'].map((t) => `DROP TABLE IF EXISTS ${t}`),
};

/** Summarizes every queued device stream. Safe to call at any time and repeatedly; a no-op when the queue is empty. */
export function drainSummaryQueue(store: DuckDBStore, options: SummarizerOptions = {}): Promise<DrainResult> {
  return store.serialised(() =>
    store.inTransaction(async () => {
      const c = store.writeConnection;
      try {
        await c.run(SQL.keys);
        const streams = Number((await c.runAndReadAll('SELECT count(*) FROM drain_keys')).getRowsJS()[0][0]);
        if (streams === 0) return { streams: 0, summaries: 0 };
        await c.run(SQL.deleteSummaries);
        await c.run(SQL.deletePages);
        await c.run(SQL.events);
        await c.run(SQL.stageSummaries);
        await c.run(SQL.stagePages);
        const summaries = await summarizeBatches(c, options);
        await c.run(SQL.insertSummaries);
        await c.run(SQL.insertPages);
        await c.run(SQL.clear);
        return { streams, summaries };
      } finally {
        // In an aborted transaction these fail too; the rollback removes the temp tables anyway.
        for (const statement of SQL.drop) await c.run(statement).catch(() => {});
      }
    }),
  );
}

/** Reads the sorted events in batches of whole streams; an appender may not run while a result streams. */
async function summarizeBatches(c: DuckDBConnection, options: SummarizerOptions): Promise<number> {
  const sizes = (await c.runAndReadAll(SQL.sizes)).getRows().map(([idx, n]) => [Number(idx), Number(n)]);
  const summaries = await c.createAppender('drain_summaries');
  const pages = await c.createAppender('drain_pages');
  let written = 0;
  try {
    for (let i = 0; i < sizes.length; ) {
      const from = sizes[i][0];
      let total = 0;
      while (i < sizes.length && (total === 0 || total + sizes[i][1] <= BATCH_EVENTS)) total += sizes[i++][1];
      const to = sizes[i - 1][0];
      const rows = (await c.runAndReadAll(SQL.batch, { from, to })).getRows();
      let start = 0;
      for (let r = 1; r <= rows.length; r++) {
        if (r < rows.length && rows[r][0] === rows[start][0]) continue;
        const key = rows[start].slice(1, 4) as string[];
        const result = summarizeStream(rows.slice(start, r).map(toEvent), options);
        for (const row of result.summaries) appendSummary(summaries, key, row);
        for (const row of result.pages) appendPage(pages, key, row);
        written += result.summaries.length;
        start = r;
      }
      summaries.flushSync();
      pages.flushSync();
    }
  } finally {
    summaries.closeSync();
    pages.closeSync();
  }
  return written;
}

function toEvent(row: unknown[]): StreamEvent {
  return {
    eid: row[4] as string,
    ets: row[5] as number,
    actor_id: row[6] as string | null,
    sid: row[7] as string | null,
    env: row[8] as string | null,
    edata_type: row[9] as string | null,
    edata_mode: row[10] as string | null,
    edata_pageid: row[11] as string | null,
    object_id: row[12] as string | null,
    object_type: row[13] as string | null,
  };
}

function nullable(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}

/** Column order of drain_summaries: summaries without start_ts, events_summary last. */
function appendSummary(a: DuckDBAppender, key: string[], r: SummaryRow): void {
  for (const k of key) a.appendVarchar(k);
  a.appendVarchar(r.actor_id);
  a.appendVarchar(r.sid);
  a.appendVarchar(r.type);
  a.appendVarchar(r.mode);
  a.appendInteger(r.depth);
  a.appendBigInt(BigInt(r.start_time));
  a.appendBigInt(BigInt(r.end_time));
  a.appendDouble(r.time_spent);
  a.appendDouble(r.time_diff);
  a.appendInteger(r.interact_events_count);
  a.appendDouble(r.interact_events_per_min);
  a.appendInteger(r.event_count);
  nullable(a, r.object_id);
  nullable(a, r.object_type);
  a.appendVarchar(JSON.stringify(r.events_summary));
  a.endRow();
}

function appendPage(a: DuckDBAppender, key: string[], r: PageTimeRow): void {
  for (const k of key) a.appendVarchar(k);
  a.appendVarchar(r.actor_id);
  a.appendVarchar(r.sid);
  a.appendVarchar(r.pageid);
  a.appendVarchar(r.env);
  a.appendBigInt(BigInt(r.start_time));
  a.appendBigInt(BigInt(r.end_time));
  a.appendDouble(r.time_spent);
  a.appendInteger(r.event_count);
  a.endRow();
}
