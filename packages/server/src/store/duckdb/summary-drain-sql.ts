/**
 * The SQL of a drain (summary-drain.ts). `drain_keys` holds the queued streams and whether each resumes
 * from its saved state: only when every newly loaded event is strictly after the state's last event.
 * A tie (a new event in the same millisecond as the last one summarized) could sort before events
 * already summarized, so it is recomputed rather than guessed. The read side (`keys` … `events`) runs in a snapshot
 * on the summarizer's own connection; the write side (`writeKeys` … `clear`) in a transaction on the writer, which
 * re-creates `drain_keys` there from the streams read.
 */

/**
 * Queues the device streams of the events matching `where` (SQL over `events`) from their earliest `ets` and their
 * earliest `arrival_seq` (`from_seq`), each entry numbered by `summary_queue_seq` in the order queued (a drain clears
 * only the entries its snapshot held).
 */
export const queueStreamsSql = (
  where: string,
) => `INSERT INTO summary_queue (did, channel, pdata_id, from_ets, from_seq, seq)
  SELECT *, nextval('summary_queue_seq') FROM (
    SELECT did, channel, pdata_id, min(ets), min(arrival_seq) FROM events WHERE ${where} GROUP BY ALL)`;

/**
 * Per stream (did, channel, pdata_id), `open_from`: the earliest start_time (epoch ms) of its open rows in the two
 * tables given (summaries and page views, or a drain's staged ones); streams with no open row are absent.
 */
export const openFromSql = (
  summaries: string,
  pages: string,
) => `SELECT did, channel, pdata_id, min(start_time) AS open_from
  FROM (SELECT did, channel, pdata_id, start_time FROM ${summaries} WHERE is_open
    UNION ALL SELECT did, channel, pdata_id, start_time FROM ${pages} WHERE is_open) AS open_rows
  GROUP BY ALL`;

const sameStream = (a: string, b: string) =>
  `${a}.did = ${b}.did AND ${a}.channel = ${b}.channel AND ${a}.pdata_id = ${b}.pdata_id`;

export const DRAIN_SQL = {
  keys: `CREATE TEMP TABLE drain_keys AS
    SELECT row_number() OVER (ORDER BY q.did, q.channel, q.pdata_id) AS idx, q.did, q.channel, q.pdata_id,
      s.resume_ets, q.from_ets, coalesce(q.from_ets > s.resume_ets, false) AS resume,
      CASE WHEN q.from_ets > s.resume_ets THEN s.state END AS state
    FROM (SELECT coalesce(did, '') AS did, coalesce(channel, '') AS channel, coalesce(pdata_id, '') AS pdata_id,
            min(from_ets) AS from_ets
          FROM summary_queue GROUP BY ALL) q
    LEFT JOIN summary_state s USING (did, channel, pdata_id)`,
  readKeys:
    'SELECT idx, did, channel, pdata_id, resume, state, resume_ets::DOUBLE, from_ets::DOUBLE FROM drain_keys ORDER BY idx',
  /**
   * The earliest `arrival_seq` any event to read can have, when the read has a bound on `ets` (drain.ts readBound):
   * the earliest `from_seq` of the queue in the drain's snapshot, or NULL when an entry has none (queued before
   * migration 19). Every such event was loaded, and so queued, after its stream's last drain (a resumed stream's events
   * after `resume_ets`; all of a stream with no saved state), so the read skips every row group loaded before the
   * oldest entry, however old the events' times: a device back after months, a backfill of old events.
   */
  arrivalBound: 'SELECT CASE WHEN count(from_seq) = count(*) THEN min(from_seq) END FROM summary_queue',
  /** The queue's newest entry in the snapshot: the drain clears the entries up to it, and none added since. */
  watermark: 'SELECT max(seq) FROM summary_queue',
  /** The write side's copy of the drained streams (appended from the keys the read side gave). */
  writeKeys:
    'CREATE TEMP TABLE drain_keys (did VARCHAR, channel VARCHAR, pdata_id VARCHAR, resume BOOLEAN, from_ets BIGINT)',
  /**
   * Which stored rows the deletes below can touch: `unbounded` when a stream with a saved state is recomputed (a late
   * event: any of its rows may go); otherwise `bound`, the earliest start_time among them (a resumed stream's open
   * rows start at its `open_from`; a stream with no state has no row before its first queued event, QueuedStream
   * .fromEts), or NULL when there is none (every stream resumed, none left rows open).
   */
  deleteBound: `SELECT coalesce(bool_or(NOT k.resume AND s.did IS NOT NULL), false),
      min(CASE WHEN k.resume THEN s.open_from WHEN s.did IS NULL THEN k.from_ets END)::DOUBLE
    FROM drain_keys k LEFT JOIN summary_state s USING (did, channel, pdata_id)`,
  /**
   * The events to summarize: V3 events only, as the loads queue them (a PostHog event on a V3 device's stream is
   * no part of its sessions, docs/posthog.md). Sorted once; rowid keeps load order among equal ets (Sunbird's sort is
   * stable). `bound` is a constant lower limit on ets (drain.ts readBound) and `fromSeq` on arrival_seq
   * (`arrivalBound`), which let DuckDB skip old row groups by their min/max instead of scanning the whole history.
   */
  events: (
    bound: number | null,
    fromSeq: bigint | null,
  ) => `SELECT k.idx, e.eid, e.ets::DOUBLE, e.actor_key AS actor_id, e.sid, e.env, e.edata_type,
      e.edata_mode, e.edata_pageid, e.object_id, e.object_type
    FROM events e JOIN drain_keys k
      ON coalesce(e.did, '') = k.did AND coalesce(e.channel, '') = k.channel AND coalesce(e.pdata_id, '') = k.pdata_id
    WHERE e.eid NOT IN ('LOG', 'AUDIT', 'SEARCH') AND e.ingest_format = 'sunbird' AND (NOT k.resume OR e.ets > k.resume_ets)
      ${bound === null ? '' : `AND e.ets > ${BigInt(bound)}`} ${fromSeq === null ? '' : `AND e.arrival_seq >= ${BigInt(fromSeq)}`}
    ORDER BY k.idx, e.ets, e.rowid`,
  /**
   * A recomputed stream loses all its rows; a resumed one only the rows its last drain left open. `from` (deleteBound,
   * a constant so that DuckDB skips older row groups by their min/max) is an epoch-ms start_time no such row is
   * before, or null.
   */
  deleteRows: (from: number | null) =>
    (['summaries', 'page_time'] as const).map(
      (
        table,
      ) => `DELETE FROM ${table} r USING drain_keys k WHERE ${sameStream('r', 'k')} AND (NOT k.resume OR r.is_open)
        ${from === null ? '' : `AND r.start_time >= ${BigInt(from)}`}`,
    ),
  deleteState: `DELETE FROM summary_state s USING drain_keys k WHERE ${sameStream('s', 'k')}`,
  stage: [
    `CREATE TEMP TABLE drain_summaries (did VARCHAR, channel VARCHAR, pdata_id VARCHAR, actor_id VARCHAR, sid VARCHAR,
      type VARCHAR, mode VARCHAR, depth INTEGER, start_time BIGINT, end_time BIGINT, time_spent DOUBLE, time_diff DOUBLE,
      interact_events_count INTEGER, interact_events_per_min DOUBLE, event_count INTEGER, object_id VARCHAR,
      object_type VARCHAR, is_open BOOLEAN, events_summary VARCHAR)`,
    `CREATE TEMP TABLE drain_pages (did VARCHAR, channel VARCHAR, pdata_id VARCHAR, actor_id VARCHAR, sid VARCHAR,
      pageid VARCHAR, env VARCHAR, start_time BIGINT, end_time BIGINT, time_spent DOUBLE, event_count INTEGER,
      is_open BOOLEAN)`,
    `CREATE TEMP TABLE drain_state (did VARCHAR, channel VARCHAR, pdata_id VARCHAR, resume_ets BIGINT, state VARCHAR)`,
  ],
  insert: [
    `INSERT INTO summaries BY NAME
      SELECT * EXCLUDE (events_summary), epoch_ms(start_time) AS start_ts,
        CAST(events_summary::JSON AS MAP(VARCHAR, INTEGER)) AS events_summary
      FROM drain_summaries`,
    'INSERT INTO page_time BY NAME SELECT *, epoch_ms(start_time) AS start_ts FROM drain_pages',
    `INSERT INTO summary_state BY NAME SELECT d.*, o.open_from FROM drain_state d
      LEFT JOIN (${openFromSql('drain_summaries', 'drain_pages')}) o USING (did, channel, pdata_id)`,
  ],
  clear: 'DELETE FROM summary_queue WHERE seq <= $watermark',
  drop: ['drain_keys', 'drain_summaries', 'drain_pages', 'drain_state'].map((t) => `DROP TABLE IF EXISTS ${t}`),
};
