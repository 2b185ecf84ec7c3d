/** The SQL that bulk-loads one spool segment into DuckDB (see spool/segment-format.ts). */
import { SEGMENT_COLUMNS } from '../../spool/segment-format.js';
import { actorKeySql } from './actor-key.js';
import { queueStreamsSql } from './summary-drain-sql.js';

/** The largest spool line: a rejected event is kept whole, and bodies inflate to at most 16 MB (config.ts). */
const MAX_LINE_BYTES = 17 * 1024 * 1024;

const columns = `{${SEGMENT_COLUMNS.map(([name, type]) => `'${name}': '${type}'`).join(', ')}}`;

/** The parts of an event the typed columns need; json_transform parses each raw event once. */
const EVENT_SHAPE = JSON.stringify({
  eid: 'VARCHAR',
  ets: 'DOUBLE',
  ver: 'VARCHAR',
  mid: 'VARCHAR',
  actor: { id: 'VARCHAR', type: 'VARCHAR' },
  context: {
    channel: 'VARCHAR',
    pdata: { id: 'VARCHAR', ver: 'VARCHAR', pid: 'VARCHAR' },
    env: 'VARCHAR',
    sid: 'VARCHAR',
    did: 'VARCHAR',
    cdata: [{ type: 'VARCHAR', id: 'VARCHAR' }],
    rollup: 'JSON',
  },
  object: {
    id: 'VARCHAR',
    type: 'VARCHAR',
    ver: 'VARCHAR',
    rollup: 'JSON',
  },
  tags: ['VARCHAR'],
  edata: {
    type: 'VARCHAR',
    subtype: 'VARCHAR',
    mode: 'VARCHAR',
    id: 'VARCHAR',
    pageid: 'VARCHAR',
    uri: 'VARCHAR',
    duration: 'DOUBLE',
    rating: 'DOUBLE',
    query: 'VARCHAR',
    // Read as text, then as a number: as the JSON reading of the path `edata.size` on raw reads it (migration 13;
    // a PostHog event's raw is PostHog's JSON, so its edata_size is read from raw).
    size: 'VARCHAR',
  },
});

/**
 * rollup_l1…l4, object_rollup_l1…l4 from the rollup objects kept as JSON: json_extract_string reads them as the
 * raw JSON reading of `context.rollup.l1` does (any JSON value sent there as its text; a number as DuckDB writes it,
 * which a VARCHAR json_transform would write differently), and a rollup that is not an object gives NULLs.
 */
const ROLLUP_COLUMNS = [1, 2, 3, 4]
  .flatMap((l) => [
    `json_extract_string(j.context.rollup, '$.l${l}') AS rollup_l${l}`,
    `json_extract_string(j.object.rollup, '$.l${l}') AS object_rollup_l${l}`,
  ])
  .join(', ');

const READ_SEGMENTS = `read_csv($files, delim = '\x1f', quote = '\x02', escape = '\x02', header = false,
      auto_detect = false, strict_mode = false, null_padding = false, max_line_size = ${MAX_LINE_BYTES}, buffer_size = ${MAX_LINE_BYTES},
      columns = ${columns})`;

/**
 * The statements that move staged records from `table` into events, failed_events and batches, in that order (a load
 * reports the rows each inserted).
 * `arrival_seq` (derived): the store's arrival order, increasing across loads and unique: one past the
 * largest already loaded, plus the event's position in the stage, which holds the segments' records in
 * spool order (a table created from a query keeps its rows' order, so its `rowid`s follow that order).
 * `actor_key` (derived): `actor.id` by the store's actor-key rule (actor-key.ts); `actor_hash`: its md5_number.
 * A Sunbird event's typed columns are read from `raw`; a PostHog event's (kind 'p') from the V3-shaped values
 * the collector wrote beside it (spool/segment-format.ts), and `ingest_format` records which.
 */
export function insertsFrom(table: string): string[] {
  return [
    `INSERT INTO events BY NAME
    SELECT j.mid AS mid, j.eid AS eid, CAST(round(j.ets) AS BIGINT) AS ets, epoch_ms(CAST(round(j.ets) AS BIGINT)) AS ts,
      CAST(round(j.ets) AS BIGINT) + clock_offset_ms AS ets_corrected,
      syncts, j.ver AS ver, j.actor.id AS actor_id, ${actorKeySql('j.actor.id')} AS actor_key,
      md5_number(${actorKeySql('j.actor.id')}) AS actor_hash, j.actor.type AS actor_type,
      coalesce(nullif(j.context.channel, ''), hdr_channel) AS channel,
      j.context.pdata.id AS pdata_id, j.context.pdata.ver AS pdata_ver,
      coalesce(nullif(j.context.pdata.pid, ''), hdr_pid) AS pdata_pid,
      j.context.env AS env, j.context.sid AS sid, coalesce(nullif(j.context.did, ''), hdr_did) AS did,
      list_transform(j.context.cdata, c -> c.type) AS cdata_type, list_transform(j.context.cdata, c -> c.id) AS cdata_id,
      j.tags AS tags, j.object.id AS object_id, j.object.type AS object_type, j.object.ver AS object_ver,
      j.edata.type AS edata_type, j.edata.subtype AS edata_subtype, j.edata.mode AS edata_mode, j.edata.id AS edata_id,
      j.edata.pageid AS edata_pageid, j.edata.uri AS edata_uri, j.edata.duration AS edata_duration,
      j.edata.rating AS edata_rating, j.edata.query AS edata_query, CASE kind WHEN 'p' THEN TRY_CAST(json_extract_string(raw, '$.edata.size') AS DOUBLE)
        ELSE TRY_CAST(j.edata.size AS DOUBLE) END AS edata_size, raw,
      ${ROLLUP_COLUMNS},
      (SELECT coalesce(max(arrival_seq), 0) FROM events) + stage_row AS arrival_seq,
      CASE kind WHEN 'p' THEN 'posthog' ELSE 'sunbird' END AS ingest_format
    FROM (SELECT *, row_number() OVER (ORDER BY rowid) AS stage_row,
      json_transform(CASE kind WHEN 'p' THEN errors ELSE raw END, '${EVENT_SHAPE}') AS j
      FROM ${table} WHERE kind IN ('e', 'p'))`,
    `INSERT INTO failed_events
    SELECT syncts, mid, eid, reason, CAST(json(errors) AS VARCHAR[]), msgid, raw
    FROM ${table} WHERE kind = 'f'`,
    `INSERT INTO batches SELECT msgid, syncts, n FROM ${table} WHERE kind = 'b'`,
  ];
}

export const LOAD_SEGMENT_SQL = {
  stage: `CREATE TEMP TABLE spool_stage AS SELECT * FROM ${READ_SEGMENTS}`,
  /** The records numbered in file order, for finding the ones the store refuses (seq from 1). */
  stageNumbered: `CREATE TEMP TABLE spool_stage AS SELECT row_number() OVER () AS seq, * FROM ${READ_SEGMENTS}`,
  /** Bounds the rows this load appends (rowids grow with appends; uncommitted rows sit above every committed one). */
  maxRowid: 'SELECT coalesce(max(rowid), -1) FROM events',
  inserts: insertsFrom('spool_stage'),
  /** A subset of the numbered records, to try loading on its own (in a transaction rolled back). */
  probe: 'CREATE TEMP TABLE spool_probe AS SELECT * FROM spool_stage WHERE seq BETWEEN $lo AND $hi',
  probeInserts: insertsFrom('spool_probe'),
  /** A record the store refuses goes to failed_events with the store's message, and out of the load. */
  quarantine: `INSERT INTO failed_events
    SELECT syncts, nullif(mid, ''), nullif(eid, ''), 'load_error', [$message], msgid, coalesce(raw, '')
    FROM spool_stage WHERE seq = $seq`,
  unstage: 'DELETE FROM spool_stage WHERE seq = $seq',
  /** The mids of the refused records that are events (not rejected-event or batch records). */
  refusedEventMids: `SELECT DISTINCT mid FROM spool_stage WHERE seq IN (SELECT unnest($seqs)) AND kind IN ('e', 'p')
    AND mid IS NOT NULL AND mid <> ''`,
  /**
   * Of those, once the load is in: the ones the store does not hold, which the collector's de-duplication index must
   * forget (a restart's scan of events never sees them either).
   */
  notStored: `SELECT mid FROM (SELECT unnest($mids) AS mid) EXCEPT SELECT mid FROM events WHERE mid IN (SELECT unnest($mids))
    ORDER BY mid`,
  /** Device streams the summarizer must redo, from the earliest event time this load touched (V3 events: sessions follow Sunbird's rules). */
  summaryQueue: queueStreamsSql(
    "rowid > $before AND eid NOT IN ('LOG', 'AUDIT', 'SEARCH') AND ingest_format = 'sunbird'",
  ),
  drop: 'DROP TABLE IF EXISTS spool_stage',
};
