/**
 * Loading spool segments into DuckDB so that no event can block the loads after it. The segments
 * are loaded in one transaction with the checkpoint. When DuckDB refuses the load for its data
 * (a conversion, a malformed JSON text, a NOT NULL column), the records are numbered and bisected
 * in transactions that are always rolled back, until each record the store refuses on its own is
 * found; those go to failed_events (reason `load_error`, the store's message as their error) and
 * the rest is loaded, in one transaction with the checkpoint again: exactly once across crashes.
 * A store that cannot write at all (disk full, read-only or invalidated file) is not a data error:
 * nothing is quarantined, a StoreError is thrown (storeDown) and the loader retries. A file the
 * CSV reader cannot read at all (bytes that are not UTF-8) is rewritten once by
 * spool/segment-recovery.ts sanitizeSegment: each record it cannot read becomes a rejected-event
 * record (`load_error`), the rest stays byte for byte.
 */
import { type DuckDBConnection, type DuckDBValue, listValue } from '@duckdb/node-api';
import { sanitizeSegment } from '../../spool/segment-recovery.js';
import { type LoadedSegment, StoreError } from '../store.js';
import { LOAD_SEGMENT_SQL } from './load-segment-sql.js';

/** A record the store refused on its own: its number in the stage and the store's message. */
export interface Refused {
  seq: number;
  message: string;
}

/** DuckDB's messages when it cannot write or read its files, whatever the data. */
const STORE_DOWN =
  /No space left|Could not write|Could not read|IO Error|Failed to commit|invalidated|Permission Error|read-only|Out of Memory|FATAL/i;

function messageOf(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}

/** True when `error` says the store cannot write (or read) at all, rather than refusing a value. */
export function isStoreDown(error: unknown): boolean {
  return (error instanceof StoreError && error.code === 'STORE_UNAVAILABLE') || STORE_DOWN.test(messageOf(error));
}

/**
 * DuckDB's messages when its buffer pool had no room (queries beside the load held it), not fatal to the database; a
 * COMMIT's reads "Failed to commit: failed to pin block" (DuckDBStore.commit opens the database again after one).
 */
export const OUT_OF_MEMORY = /Out of Memory|failed to pin block|failed to allocate|could not allocate/i;

/**
 * The error a load that could not write throws: STORE_OUT_OF_MEMORY when DuckDB's pool had no room, STORE_REOPENING
 * (as the store said) when the database is being opened again after DuckDB invalidated it — both pass: the loader
 * retries, and the collector keeps taking batches into the spool — and STORE_UNAVAILABLE otherwise (the disk: the
 * collector refuses until a load succeeds).
 */
function storeDown(error: unknown): StoreError {
  if (error instanceof StoreError && error.code === 'STORE_REOPENING') return error;
  const message = messageOf(error);
  if (OUT_OF_MEMORY.test(message) && !/FATAL|invalidated/.test(message))
    return new StoreError('STORE_OUT_OF_MEMORY', `the store ran out of memory loading: ${message}`, { cause: error });
  return new StoreError('STORE_UNAVAILABLE', `the store cannot write: ${message}`, { cause: error });
}

export interface LoadDeps {
  writer: DuckDBConnection;
  /** Runs `work` in one transaction (commit, or rollback and rethrow). */
  inTransaction<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * Loads `files` (spool segments, in order) and sets the checkpoint to `segment`, in one transaction; a segment at
 * or below the checkpoint is a no-op. Throws StoreError STORE_UNAVAILABLE when the store cannot write,
 * STORE_OUT_OF_MEMORY when DuckDB's pool had no room, STORE_QUERY_FAILED when the load fails but no single record
 * is refused on its own (or the files stay unreadable). `rewritten`: the mids of the event records an
 * earlier attempt rewrote as rejected-event records (undefined: the files may still be rewritten once).
 */
export async function loadSegments(
  deps: LoadDeps,
  files: string[],
  segment: number,
  rewritten?: string[],
): Promise<LoadedSegment> {
  const { writer } = deps;
  try {
    return await deps.inTransaction(async () => {
      if (segment <= (await checkpoint(writer))) return nothingLoaded(segment);
      await writer.run(LOAD_SEGMENT_SQL.stage, { files: listValue(files) });
      return await loadStaged(writer, segment, [], rewritten);
    });
  } catch (error) {
    if (isStoreDown(error)) throw storeDown(error);
    try {
      await writer.run(LOAD_SEGMENT_SQL.drop);
      const unreadable = await writer
        .run(LOAD_SEGMENT_SQL.stageNumbered, { files: listValue(files) })
        .then(() => undefined)
        .catch((stageError) => {
          if (isStoreDown(stageError) || rewritten) throw stageError;
          return messageOf(stageError);
        });
      if (unreadable !== undefined) {
        // The reader cannot read the files at all: records it cannot read become rejected-event records, then again.
        let replaced = 0;
        const mids: string[] = [];
        for (const file of files) {
          const result = await sanitizeSegment(file, unreadable);
          replaced += result.replaced;
          mids.push(...result.eventMids);
        }
        if (replaced === 0) throw error;
        return await loadSegments(deps, files, segment, mids);
      }
      const rows = Number((await writer.runAndReadAll('SELECT count(*) FROM spool_stage')).getRowsJS()[0][0]);
      const refused = await bisect(writer, 1, rows);
      if (refused.length === 0) throw error;
      return await deps.inTransaction(async () =>
        segment <= (await checkpoint(writer))
          ? nothingLoaded(segment)
          : loadStaged(writer, segment, refused, rewritten),
      );
    } catch (inner) {
      throw isStoreDown(inner) ? storeDown(inner) : inner;
    } finally {
      await writer.run(LOAD_SEGMENT_SQL.drop).catch(() => {});
    }
  }
}

async function checkpoint(writer: DuckDBConnection): Promise<number> {
  return Number((await writer.runAndReadAll('SELECT segment FROM loader_state')).getRowsJS()[0][0]);
}

function nothingLoaded(segment: number): LoadedSegment {
  return { segment, events: 0, failed: 0, batches: 0, quarantined: 0, quarantinedMids: [] };
}

/**
 * Inside a transaction: quarantines `refused`, inserts the rest of spool_stage, sets the checkpoint, drops the stage.
 * `rewritten`: mids of event records rewritten as rejected-event records, to forget with the refused ones.
 */
async function loadStaged(
  writer: DuckDBConnection,
  segment: number,
  refused: Refused[],
  rewritten: string[] = [],
): Promise<LoadedSegment> {
  const strings = async (sql: string, values: Record<string, DuckDBValue>) =>
    (await writer.runAndReadAll(sql, values)).getRowsJS().map(([value]) => String(value));
  const forget = [
    ...rewritten,
    ...(refused.length
      ? await strings(LOAD_SEGMENT_SQL.refusedEventMids, { seqs: listValue(refused.map(({ seq }) => seq)) })
      : []),
  ];
  for (const { seq, message } of refused) {
    await writer.run(LOAD_SEGMENT_SQL.quarantine, { seq, message });
    await writer.run(LOAD_SEGMENT_SQL.unstage, { seq });
  }
  const before = (await writer.runAndReadAll(LOAD_SEGMENT_SQL.maxRowid)).getRowsJS()[0][0];
  // Rows inserted into events, failed_events and batches: the records of each kind in the stage.
  const inserted: number[] = [];
  for (const statement of LOAD_SEGMENT_SQL.inserts) inserted.push((await writer.run(statement)).rowsChanged);
  const [events, failed, batches] = inserted;
  await writer.run(LOAD_SEGMENT_SQL.summaryQueue, { before: before as bigint });
  await writer.run('UPDATE loader_state SET segment = $segment', { segment });
  await writer.run(LOAD_SEGMENT_SQL.drop);
  const quarantinedMids = forget.length ? await strings(LOAD_SEGMENT_SQL.notStored, { mids: listValue(forget) }) : [];
  return {
    segment,
    events,
    failed,
    batches,
    quarantined: refused.length,
    quarantinedMids,
  };
}

/** The store's message when records lo..hi cannot be inserted on their own, else undefined (nothing is kept). */
async function probe(writer: DuckDBConnection, lo: number, hi: number): Promise<string | undefined> {
  await writer.run('BEGIN TRANSACTION');
  try {
    await writer.run(LOAD_SEGMENT_SQL.probe, { lo, hi });
    for (const statement of LOAD_SEGMENT_SQL.probeInserts) await writer.run(statement);
    return undefined;
  } catch (error) {
    if (isStoreDown(error)) throw error;
    return messageOf(error);
  } finally {
    await writer.run('ROLLBACK').catch(() => {});
  }
}

/** Every record of lo..hi refused on its own, found by halving the ranges that fail. */
async function bisect(writer: DuckDBConnection, lo: number, hi: number): Promise<Refused[]> {
  if (lo > hi) return [];
  const message = await probe(writer, lo, hi);
  if (message === undefined) return [];
  if (lo === hi) return [{ seq: lo, message }];
  const middle = Math.floor((lo + hi) / 2);
  return [...(await bisect(writer, lo, middle)), ...(await bisect(writer, middle + 1, hi))];
}
