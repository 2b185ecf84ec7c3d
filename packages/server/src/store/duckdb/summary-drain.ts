/**
 * DuckDB's side of a summary drain (Store.drainSummaryQueue), in two steps so that loads wait only for the second:
 * - read: in one snapshot on the summarizer's own connection, the queue into `drain_keys` and the queued streams'
 *   events, streamed to the summarizer (loads commit meanwhile on the writer; the snapshot does not see them);
 * - write: in one transaction on the writer, after every earlier write, the streams' rows, states and the queue
 *   entries the snapshot held (`seq` up to its newest) replaced by what the summarizer returned. Entries a load
 *   queued meanwhile stay for the next drain, which resumes from the states written here or recomputes.
 * An error in either step leaves the tables and the queue as they were.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StreamEvent } from '../../analytics/sessions/types.js';
import type { QueuedStream, SummarizedStream, SummaryDrain } from '../store.js';
import { chunksOf } from './read-rows.js';
import { appendDrainKeys, appendDrainRows } from './summary-append.js';
import { DRAIN_SQL } from './summary-drain-sql.js';

/**
 * One drain: reads on `reader` (a connection no one else uses) inside `read` (counted as a read in flight,
 * reads-in-flight.ts), then writes through `write`, which runs its work on the writer connection inside a
 * transaction, after every earlier write (DuckDBStore.serialised + inTransaction).
 */
export async function drainQueue(
  reader: DuckDBConnection,
  read: (work: () => Promise<void>) => Promise<void>,
  write: (work: (writer: DuckDBConnection) => Promise<void>) => Promise<void>,
  summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>,
): Promise<void> {
  let watermark: bigint | null = null;
  let streams: QueuedStream[] = [];
  let written: SummarizedStream[] = [];
  await read(async () => {
    await reader.run('BEGIN TRANSACTION');
    try {
      watermark = (await reader.runAndReadAll(DRAIN_SQL.watermark)).getRows()[0][0] as bigint | null;
      if (watermark === null) return;
      await reader.run(DRAIN_SQL.keys);
      streams = await readKeys(reader);
      written = await summarize({ streams, readEvents: (after, onEvent) => readEvents(reader, after, onEvent) });
    } finally {
      // Nothing was written on this connection but a temp table: ending the snapshot either way loses nothing.
      await reader.run('DROP TABLE IF EXISTS drain_keys').catch(() => {});
      await reader.run('ROLLBACK').catch(() => {});
    }
  });
  if (watermark === null) return;
  const upTo = watermark;
  await write(async (c) => {
    try {
      await c.run(DRAIN_SQL.writeKeys);
      await appendDrainKeys(c, streams);
      const [unbounded, from] = (await c.runAndReadAll(DRAIN_SQL.deleteBound)).getRows()[0] as [boolean, number | null];
      // No bound: a late event recomputes a stream whole. None: no stream has rows to replace.
      if (unbounded || from !== null)
        for (const statement of DRAIN_SQL.deleteRows(unbounded ? null : from)) await c.run(statement);
      await c.run(DRAIN_SQL.deleteState);
      for (const statement of DRAIN_SQL.stage) await c.run(statement);
      await appendDrainRows(c, written);
      for (const statement of DRAIN_SQL.insert) await c.run(statement);
      await c.run(DRAIN_SQL.clear, { watermark: upTo });
    } finally {
      // In an aborted transaction these fail too; the rollback removes the temp tables anyway.
      for (const statement of DRAIN_SQL.drop) await c.run(statement).catch(() => {});
    }
  });
}

/**
 * The queued streams (`drain_keys`, in order), chunk by chunk: the event loop turns between chunks, where reading
 * them all at once held the collector's thread (a drain may hold 100,000 streams, each with its state's text).
 */
async function readKeys(c: DuckDBConnection): Promise<QueuedStream[]> {
  const streams: QueuedStream[] = [];
  for await (const chunk of chunksOf(await c.stream(DRAIN_SQL.readKeys))) {
    for (const [, did, channel, pdata_id, resume, state, resumeEts, fromEts] of chunk.getRows())
      streams.push({ did, channel, pdata_id, resume, state, resumeEts, fromEts } as QueuedStream);
  }
  return streams;
}

/** Streams the sorted events chunk by chunk, column by column (SummaryDrain.readEvents); `drain_keys.idx` is 1-based. */
async function readEvents(
  c: DuckDBConnection,
  after: number | null,
  onEvent: (index: number, event: StreamEvent) => void,
): Promise<number> {
  // With no bound on ets (a stream recomputed whole), none on arrival either: its history predates the queue.
  const fromSeq =
    after === null ? null : ((await c.runAndReadAll(DRAIN_SQL.arrivalBound)).getRows()[0][0] as bigint | null);
  let read = 0;
  for await (const chunk of chunksOf(await c.stream(DRAIN_SQL.events(after, fromSeq)))) {
    const v = Array.from({ length: 11 }, (_, i) => chunk.getColumnVector(i));
    for (let i = 0; i < chunk.rowCount; i++) {
      onEvent(Number(v[0].getItem(i)) - 1, {
        eid: v[1].getItem(i),
        ets: v[2].getItem(i),
        actor_id: v[3].getItem(i),
        sid: v[4].getItem(i),
        env: v[5].getItem(i),
        edata_type: v[6].getItem(i),
        edata_mode: v[7].getItem(i),
        edata_pageid: v[8].getItem(i),
        object_id: v[9].getItem(i),
        object_type: v[10].getItem(i),
      } as StreamEvent);
    }
    read += chunk.rowCount;
  }
  return read;
}
