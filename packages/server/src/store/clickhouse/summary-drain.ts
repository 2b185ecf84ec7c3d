/**
 * ClickHouse's side of a summary drain (Store.drainSummaryQueue), without transactions or deletes (18.16 has neither
 * a multi-statement transaction nor a synchronous DELETE). The tables are migration 4's:
 * - the queue is the streams of the events loaded since the last committed drain, by each writer's arrival_seq
 *   (load-segment.ts: each collector loads as a writer and numbers its events on its own), up to the last its marked
 *   loads gave at the drain's start (a load still running is left to the next drain); a drain writes the queue it
 *   takes to `summary_queue` (migration 8), under its number, and reads the events of those streams;
 * - a drain takes the next number (a `summary_drains` row, committed = 0), writes its rows and states tagged with it,
 *   then commits with one more row (committed = 1). The views `summaries` and `page_time` show only committed drains'
 *   rows, so a drain cut short at any point leaves what readers see unchanged, and the next drain reads its queue
 *   again. Replaced rows are not deleted: they stay, hidden by the views (docs/clickhouse.md, "Sessions").
 * Events are read with FINAL: a re-sent copy (a higher arrival_seq) queues its stream again, which is then recomputed
 * from the one copy FINAL keeps, as DuckDB's drain recomputes a stream with a late event.
 */
import type { StreamEvent } from '../../analytics/sessions/types.js';
import { SERVER_EIDS } from '../../analytics/sessions/types.js';
import type { QueuedStream, SummarizedStream, SummaryDrain } from '../store.js';
import { literal } from './literal.js';

/** What a drain needs from the store: reads (internal SQL, values inlined here as literals) and batch inserts. */
export interface DrainDeps {
  rows(sql: string): Promise<unknown[][]>;
  /** Streams a read's rows, one object per row by column name (Int64 as text). */
  each(sql: string, onRow: (row: Record<string, unknown>) => void): Promise<void>;
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Whether this process still holds the summarizer lease (writer-lease.ts), asked before a drain commits. */
  stillSummarizer(): Promise<boolean>;
}

/** Per writer, the arrival_seq range a drain summarizes: (after, upTo]. */
type Ranges = Map<number, { after: number; upTo: number }>;

/** SQL true for an event in `ranges` (to `upTo` only, with `from: 'start'`: every event a drain may read). */
function inRanges(ranges: Ranges, from: 'after' | 'start'): string {
  const each = [...ranges].map(([writer, { after, upTo }]) => {
    const low = from === 'after' ? ` AND arrival_seq > ${literal(after)}` : '';
    return `(writer = ${literal(writer)}${low} AND arrival_seq <= ${literal(upTo)})`;
  });
  return each.length ? `(${each.join(' OR ')})` : '0';
}

/** The events a stream's summaries read: V3 events but Sunbird's server events (as DuckDB's loads queue them). */
const SUMMARIZED = `eid NOT IN (${SERVER_EIDS.map(literal).join(', ')}) AND ingest_format = 'sunbird'`;

/** Rows per insert request when writing a drain's output. */
const INSERT_ROWS = 50_000;

/** A stream's key as the views and summary_state hold it: '' for an absent did, channel or pdata.id. */
const KEY = `ifNull(did, '') AS kd, ifNull(channel, '') AS kc, ifNull(pdata_id, '') AS kp`;

/**
 * The queued streams of the events in `ranges`, each with its earliest ets and its saved state (`summary_streams`:
 * the latest committed), ordered by key: the order readEvents gives their events in.
 */
function queueSql(ranges: Ranges): string {
  return `SELECT kd, kc, kp, from_ets, has_state, base, resume_ets, state,
      has_state = 1 AND state != '' AND from_ets > resume_ets AS resume
    FROM (SELECT ${KEY}, min(ets) AS from_ets FROM events
      WHERE ${inRanges(ranges, 'after')} AND ${SUMMARIZED} GROUP BY kd, kc, kp)
    ANY LEFT JOIN (SELECT did AS kd, channel AS kc, pdata_id AS kp, 1 AS has_state, base, resume_ets, state
      FROM summary_streams) USING (kd, kc, kp)
    ORDER BY kd, kc, kp`;
}

/**
 * One drain: reads the queue and its events, calls `summarize`, then writes the rows it returns under a new drain
 * number and commits it. Callers run one at a time (ClickHouseStore).
 * @returns false when it could not commit (the summarizer lease was lost meanwhile), true otherwise
 * @throws what `deps` or `summarize` throw; nothing is visible then, and the next drain starts over
 */
export async function drainQueue(
  deps: DrainDeps,
  summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>,
): Promise<boolean> {
  const ranges = await queueRanges(deps);
  if (![...ranges.values()].some(({ after, upTo }) => upTo > after)) return true;
  const [[lastDrain]] = await deps.rows('SELECT max(drain) FROM summary_drains');
  const drain = Number(lastDrain ?? 0) + 1;
  // Taken before any row is written: a drain cut short leaves rows under a number no later drain reuses.
  await deps.insert('summary_drains', [{ ...watermark(ranges), drain, committed: 0, at: nowSeconds() }]);
  const queued = await deps.rows(queueSql(ranges));
  if (queued.length === 0) return commit(deps, drain, ranges);
  const bases: number[] = [];
  const streams = queued.map(([did, channel, pdata_id, fromEts, hasState, base, resumeEts, state, resume]) => {
    const saved = Number(hasState) === 1 && state !== '';
    bases.push(Number(resume) === 1 ? Number(base) : drain);
    return {
      did,
      channel,
      pdata_id,
      resume: Number(resume) === 1,
      state: Number(resume) === 1 ? state : null,
      resumeEts: saved ? Number(resumeEts) : null,
      fromEts: Number(fromEts),
    } as QueuedStream;
  });
  const index = new Map(streams.map((s, i) => [streamId(s.did, s.channel, s.pdata_id), i]));
  // The read joins the queue as taken here. Taken again from the events, it could lose streams queued only by re-sent
  // copies that a merge folded meanwhile (ClickHouse merges when it likes): given back nothing, their rows would hide.
  await insertAll(
    deps,
    'summary_queue',
    streams.map(({ did, channel, pdata_id, resume, resumeEts }) => ({
      drain,
      did,
      channel,
      pdata_id,
      resume: Number(resume),
      resume_ets: resumeEts ?? 0,
    })),
  );
  const written = await summarize({
    streams,
    readEvents: (bound, onEvent) => readEvents(deps, ranges, drain, bound, index, onEvent),
  });
  const summaries: Record<string, unknown>[] = [];
  const pages: Record<string, unknown>[] = [];
  const states: Record<string, unknown>[] = [];
  const returned = new Set<number>();
  for (const { stream, end } of written) {
    const i = index.get(streamId(stream.did, stream.channel, stream.pdata_id)) as number;
    returned.add(i);
    for (const [rows, open] of [
      [end.final, 0],
      [end.open, 1],
    ] as const) {
      for (const r of rows.summaries)
        summaries.push({
          ...stream,
          ...r,
          start_ts: Math.floor(r.start_time / 1000),
          events_summary: JSON.stringify(r.events_summary),
          is_open: open,
          drain,
        });
      for (const r of rows.pages)
        pages.push({ ...stream, ...r, start_ts: Math.floor(r.start_time / 1000), is_open: open, drain });
    }
    states.push({ ...stream, drain, base: bases[i], resume_ets: end.lastEts, state: end.state });
  }
  // A stream given back nothing is left without rows or state, as on DuckDB: a state with no state text, based here.
  for (const [i, s] of streams.entries())
    if (!returned.has(i))
      states.push({
        did: s.did,
        channel: s.channel,
        pdata_id: s.pdata_id,
        drain,
        base: drain,
        resume_ets: 0,
        state: '',
      });
  for (const [table, rows] of [
    ['summary_rows', summaries],
    ['page_time_rows', pages],
    ['summary_state', states],
  ] as const)
    await insertAll(deps, table, rows);
  return commit(deps, drain, ranges);
}

/** Inserts `rows` into `table`, `INSERT_ROWS` per request. */
async function insertAll(deps: Pick<DrainDeps, 'insert'>, table: string, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) await deps.insert(table, rows.slice(i, i + INSERT_ROWS));
}

/**
 * Per writer, what the last committed drain summarized (its watermark; drains before migration 7 have none: writer 0
 * to through_seq) and the last arrival_seq of the writer's marked loads.
 */
async function queueRanges(deps: Pick<DrainDeps, 'rows'>): Promise<Ranges> {
  const ranges: Ranges = new Map();
  const [[writers, throughs]] = await deps.rows(`SELECT
      argMax(if(empty(writers), [toUInt16(0)], writers), drain), argMax(if(empty(writers), [through_seq], throughs), drain)
    FROM summary_drains WHERE committed = 1`);
  for (const [i, writer] of (writers as unknown[]).entries())
    ranges.set(Number(writer), { after: Number((throughs as unknown[])[i]), upTo: Number((throughs as unknown[])[i]) });
  for (const [writer, upTo] of await deps.rows('SELECT writer, max(through_seq) FROM loaded_segments GROUP BY writer'))
    ranges.set(Number(writer), { after: ranges.get(Number(writer))?.after ?? 0, upTo: Number(upTo) });
  return ranges;
}

/**
 * Whether the last committed drain (another process's, holding the summarizer lease) summarized every event `writer`
 * has marked loaded.
 */
export async function summarizedElsewhere(writer: number, rows: DrainDeps['rows']): Promise<boolean> {
  const range = (await queueRanges({ rows })).get(writer);
  return range === undefined || range.after >= range.upTo;
}

/** A summary_drains row's watermark columns: every writer's `upTo`. */
function watermark(ranges: Ranges): { through_seq: number; writers: number[]; throughs: number[] } {
  const writers = [...ranges.keys()].sort((a, b) => a - b);
  // through_seq: what drains before migration 7 read (writer 0's); kept filled for a reader of that column.
  return { through_seq: ranges.get(0)?.upTo ?? 0, writers, throughs: writers.map((w) => ranges.get(w)?.upTo ?? 0) };
}

/**
 * Commits `drain`, unless another process took the summarizer lease meanwhile: its rows then stay hidden, and false
 * says nothing was summarized.
 */
async function commit(deps: DrainDeps, drain: number, ranges: Ranges): Promise<boolean> {
  if (!(await deps.stillSummarizer())) return false;
  await deps.insert('summary_drains', [{ ...watermark(ranges), drain, committed: 1, at: nowSeconds() }]);
  return true;
}

/**
 * The queued streams' events (SummaryDrain.readEvents), in queue order, then by ets and arrival_seq (load order): all
 * of a recomputed stream's, a resumed one's after its resume_ets; each event once (FINAL), none past its writer's
 * `upTo`. The streams are `drain`'s rows of summary_queue.
 */
async function readEvents(
  deps: DrainDeps,
  ranges: Ranges,
  drain: number,
  bound: number | null,
  index: Map<string, number>,
  onEvent: (index: number, event: StreamEvent) => void,
): Promise<number> {
  const columns = 'eid, ets, actor_key, sid, env, edata_type, edata_mode, edata_pageid, object_id, object_type';
  const sql = `SELECT kd, kc, kp, ${columns} FROM (
      SELECT ${KEY}, ${columns}, arrival_seq, writer FROM events FINAL
      WHERE ${inRanges(ranges, 'start')} AND ${SUMMARIZED}${bound === null ? '' : ` AND ets > ${literal(bound)}`})
    ANY INNER JOIN (SELECT did AS kd, channel AS kc, pdata_id AS kp, resume, resume_ets FROM summary_queue
      WHERE drain = ${literal(drain)}) USING (kd, kc, kp)
    WHERE resume = 0 OR ets > resume_ets
    ORDER BY kd, kc, kp, ets, arrival_seq, writer`;
  let read = 0;
  await deps.each(sql, (row) => {
    read++;
    onEvent(
      index.get(streamId(row.kd as string, row.kc as string, row.kp as string)) as number,
      {
        eid: row.eid,
        ets: Number(row.ets),
        actor_id: row.actor_key,
        sid: row.sid,
        env: row.env,
        edata_type: row.edata_type,
        edata_mode: row.edata_mode,
        edata_pageid: row.edata_pageid,
        object_id: row.object_id,
        object_type: row.object_type,
      } as StreamEvent,
    );
  });
  return read;
}

function streamId(did: string, channel: string, pdataId: string): string {
  return `${did}\u0000${channel}\u0000${pdataId}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
