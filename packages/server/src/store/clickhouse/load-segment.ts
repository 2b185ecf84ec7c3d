/**
 * Loading spool segments into ClickHouse, idempotently without transactions. The records are read with the spool's
 * own parser (spool/segment-format.ts parseRecords), turned into rows in JavaScript (event-row.ts) and inserted in
 * batches (RowBinary, about `batchBytes` per insert); then one row in `loaded_segments` marks the load
 * done. Each collector loads as its own writer (migration 7): its segments, checkpoint and arrival_seq are numbered
 * apart from other writers', and every row carries its number. A crash between the inserts and the marker leaves rows behind: the retry inserts them again, and the tables
 * fold the copies on merge (ReplacingMergeTree: events by their sorting key ending in `mid`, failed_events and
 * batches by (writer, load_segment, seq)), so what reads count with FINAL or uniqExact(mid) is what one load stores
 * (docs/clickhouse.md, "De-duplication"). A file holding bytes that are not UTF-8 is rewritten once by
 * spool/segment-recovery.ts sanitizeSegment, as the DuckDB load does: each such record becomes a rejected-event
 * record (`load_error`), the rest stays byte for byte.
 */

import { isUtf8 } from 'node:buffer';
import fsp from 'node:fs/promises';
import { FIELD_INDEX, parseRecords, SEGMENT_COLUMNS } from '../../spool/segment-format.js';
import { sanitizeSegment } from '../../spool/segment-recovery.js';
import type { ActorKeyRule, LoadedSegment } from '../store.js';
import { batchRow, eventRow, failedRow, UnloadableRecord } from './event-row.js';
import { literal } from './literal.js';

/** What a load needs from the store: its reads and one batch insert. */
export interface LoadDeps {
  /** Runs a read and gives its rows (internal SQL, no values in it). */
  rows(sql: string): Promise<unknown[][]>;
  /** Inserts `rows` (objects by column name) into `table` as one request (row-binary.ts). */
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Who insights count (event-row.ts actorKey). */
  actorKey: ActorKeyRule;
  /** Bytes per insert, about (a single larger row is inserted alone). */
  batchBytes: number;
  /** This process's writer number (TELEMETRY_WRITER_ID): its segments and arrival_seq are its own (migration 7). */
  writer: number;
}

/** The highest segment `writer` has marked loaded and the last arrival_seq it gave (0 and 0 when none). */
export async function checkpoint(deps: Pick<LoadDeps, 'rows' | 'writer'>): Promise<{ segment: number; seq: number }> {
  const [[segment, seq]] = await deps.rows(
    `SELECT max(segment), max(through_seq) FROM loaded_segments WHERE writer = ${literal(deps.writer)}`,
  );
  return { segment: Number(segment ?? 0), seq: Number(seq ?? 0) };
}

/** Reads `file`, rewriting it once first when a record in it is not UTF-8 (as the DuckDB load does). */
async function readSegment(file: string): Promise<{ data: Buffer; rewrittenMids: string[] }> {
  const data = await fsp.readFile(file);
  if (isUtf8(data)) return { data, rewrittenMids: [] };
  const { eventMids } = await sanitizeSegment(file, 'the record is not UTF-8');
  return { data: await fsp.readFile(file), rewrittenMids: eventMids };
}

/** Buffers rows per table and inserts them `batchBytes` at a time. */
class Batches {
  private readonly pending = new Map<string, { rows: Record<string, unknown>[]; bytes: number }>();
  constructor(private readonly deps: LoadDeps) {}

  async add(table: string, row: Record<string, unknown>): Promise<void> {
    const entry = this.pending.get(table) ?? { rows: [], bytes: 0 };
    this.pending.set(table, entry);
    entry.rows.push(row);
    // Strings dominate a row's JSON size; raw is most of it.
    entry.bytes += String(row.raw ?? '').length + 512;
    if (entry.bytes >= this.deps.batchBytes) await this.flush(table);
  }

  async flush(table?: string): Promise<void> {
    for (const name of table ? [table] : [...this.pending.keys()]) {
      const entry = this.pending.get(name);
      if (!entry || entry.rows.length === 0) continue;
      this.pending.delete(name);
      await this.deps.insert(name, entry.rows);
    }
  }
}

/**
 * Loads `files` (spool segments, in order) and marks `segment` loaded; a segment at or below the checkpoint loads
 * nothing. Event records that cannot be rows (event-row.ts UnloadableRecord) go to failed_events as `load_error`.
 * @throws StoreError (from `deps`) when an insert fails: nothing is marked, and the retry loads the segment again
 */
export async function loadSegments(deps: LoadDeps, files: string[], segment: number): Promise<LoadedSegment> {
  const loaded: LoadedSegment = { segment, events: 0, failed: 0, batches: 0, quarantined: 0, quarantinedMids: [] };
  const done = await checkpoint(deps);
  if (segment <= done.segment) return loaded;
  // The writer's arrival order continues from its last marked load: a retry after a crash gives the same records the
  // same numbers, so their copies fold whole.
  let arrivalSeq = done.seq;
  const { writer } = deps;
  const byWriter = (row: Record<string, unknown>) => {
    row.writer = writer;
    return row;
  };
  const batches = new Batches(deps);
  let seq = 0;
  const forget: string[] = [];
  for (const file of files) {
    const { data, rewrittenMids } = await readSegment(file);
    forget.push(...rewrittenMids);
    const records: string[][] = [];
    parseRecords(data, 0, data.length, (fields) => {
      if (fields[0] !== 'c' && fields.length === SEGMENT_COLUMNS.length) records.push(fields);
    });
    for (const fields of records) {
      seq++;
      const kind = fields[FIELD_INDEX.kind];
      if (kind === 'e' || kind === 'p') {
        try {
          await batches.add('events', byWriter(eventRow(fields, arrivalSeq + 1, deps.actorKey)));
          arrivalSeq++;
          loaded.events++;
        } catch (error) {
          if (!(error instanceof UnloadableRecord)) throw error;
          await batches.add('failed_events', byWriter(failedRow(fields, segment, seq, error.message)));
          loaded.quarantined++;
          if (fields[FIELD_INDEX.mid]) forget.push(fields[FIELD_INDEX.mid]);
        }
      } else if (kind === 'f') {
        try {
          await batches.add('failed_events', byWriter(failedRow(fields, segment, seq)));
          loaded.failed++;
        } catch (error) {
          if (!(error instanceof UnloadableRecord)) throw error;
          await batches.add('failed_events', byWriter(failedRow(fields, segment, seq, error.message)));
          loaded.quarantined++;
        }
      } else if (kind === 'b') {
        await batches.add('batches', byWriter(batchRow(fields, segment, seq)));
        loaded.batches++;
      }
    }
  }
  await batches.flush();
  await deps.insert('loaded_segments', [
    {
      segment,
      events: loaded.events,
      failed: loaded.failed,
      batches: loaded.batches,
      loaded_at: Math.floor(Date.now() / 1000),
      writer,
      through_seq: arrivalSeq,
    },
  ]);
  // Of the events moved to failed_events, the ones the store does not hold (the collector's index forgets them).
  const mids = [...new Set(forget)].sort();
  const held = mids.length
    ? new Set(
        (await deps.rows(`SELECT DISTINCT mid FROM events WHERE mid IN (${mids.map(literal).join(', ')})`)).map(
          ([m]) => m,
        ),
      )
    : new Set();
  loaded.quarantinedMids = mids.filter((mid) => !held.has(mid));
  return loaded;
}
