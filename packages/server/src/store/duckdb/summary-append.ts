/**
 * Writes a drain's rows (Store.drainSummaryQueue) into its staging tables (summary-drain-sql.ts) with appenders,
 * after the summarizer has read every event: an appender may not run on the connection while a result streams.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { PageTimeRow, StreamKey, SummaryRow } from '../../analytics/sessions/types.js';
import type { QueuedStream, SummarizedStream } from '../store.js';

/**
 * Rows appended (and flushed) between two turns of the event loop. Appending runs on the JavaScript thread, which the
 * collector shares: a drain of 250,000 events wrote ~100,000 rows, and appending them in one go held the thread for
 * 0.3–0.8 s (docs/benchmarks.md, "A drain's rows, appended in slices").
 */
export const ROWS_PER_TURN = 2_000;

/**
 * Appends every stream's final and open summaries and page views, and its resume state, flushing and letting the event
 * loop turn after about every ROWS_PER_TURN rows (the writer is held for the drain meanwhile: nothing else runs on it).
 */
export async function appendDrainRows(c: DuckDBConnection, written: readonly SummarizedStream[]): Promise<void> {
  const summaries = await c.createAppender('drain_summaries');
  const pages = await c.createAppender('drain_pages');
  const states = await c.createAppender('drain_state');
  const appenders = [summaries, pages, states];
  try {
    const turn = turnEvery(appenders);
    for (const { stream: key, end } of written) {
      for (const row of end.final.summaries) appendSummary(summaries, key, row, false);
      for (const row of end.open.summaries) appendSummary(summaries, key, row, true);
      for (const row of end.final.pages) appendPage(pages, key, row, false);
      for (const row of end.open.pages) appendPage(pages, key, row, true);
      appendKey(states, key);
      states.appendBigInt(BigInt(end.lastEts));
      states.appendVarchar(end.state);
      states.endRow();
      const { final, open } = end;
      await turn(final.summaries.length + open.summaries.length + final.pages.length + open.pages.length + 1);
    }
    for (const a of appenders) a.flushSync();
  } finally {
    for (const a of appenders) a.closeSync();
  }
}

/**
 * The drained streams into the writer's `drain_keys` (summary-drain-sql.ts `writeKeys`): key, whether it resumed, and
 * the earliest event queued for it (epoch ms); in slices, as appendDrainRows (a drain may hold 100,000 streams).
 */
export async function appendDrainKeys(c: DuckDBConnection, streams: readonly QueuedStream[]): Promise<void> {
  const keys = await c.createAppender('drain_keys');
  try {
    const turn = turnEvery([keys]);
    for (const stream of streams) {
      appendKey(keys, stream);
      keys.appendBoolean(stream.resume);
      keys.appendBigInt(BigInt(stream.fromEts));
      keys.endRow();
      await turn(1);
    }
    keys.flushSync();
  } finally {
    keys.closeSync();
  }
}

/** Given the rows just appended: after every ROWS_PER_TURN, flushes `appenders` and lets the event loop turn. */
function turnEvery(appenders: readonly DuckDBAppender[]): (rows: number) => Promise<void> {
  let pending = 0;
  return async (rows) => {
    pending += rows;
    if (pending < ROWS_PER_TURN) return;
    pending = 0;
    for (const a of appenders) a.flushSync();
    await new Promise(setImmediate);
  };
}

function appendKey(a: DuckDBAppender, key: StreamKey): void {
  a.appendVarchar(key.did);
  a.appendVarchar(key.channel);
  a.appendVarchar(key.pdata_id);
}

function nullable(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}

/** Column order of drain_summaries. */
function appendSummary(a: DuckDBAppender, key: StreamKey, r: SummaryRow, open: boolean): void {
  appendKey(a, key);
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
  a.appendBoolean(open);
  a.appendVarchar(JSON.stringify(r.events_summary));
  a.endRow();
}

/** Column order of drain_pages. */
function appendPage(a: DuckDBAppender, key: StreamKey, r: PageTimeRow, open: boolean): void {
  appendKey(a, key);
  a.appendVarchar(r.actor_id);
  a.appendVarchar(r.sid);
  a.appendVarchar(r.pageid);
  a.appendVarchar(r.env);
  a.appendBigInt(BigInt(r.start_time));
  a.appendBigInt(BigInt(r.end_time));
  a.appendDouble(r.time_spent);
  a.appendInteger(r.event_count);
  a.appendBoolean(open);
  a.endRow();
}
