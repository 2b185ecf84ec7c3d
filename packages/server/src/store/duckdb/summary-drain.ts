/**
 * DuckDB's side of a summary drain (Store.drainSummaryQueue): inside the caller's transaction on the writer
 * connection, reads the queue into `drain_keys`, streams the queued streams' events to the summarizer, then
 * replaces their rows, states and queue entries with what it returned. The transaction makes it all or nothing:
 * a crash or an error leaves the queue to be drained again.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StreamEvent } from '../../analytics/sessions/types.js';
import type { QueuedStream, SummarizedStream, SummaryDrain } from '../store.js';
import { appendDrainRows } from './summary-append.js';
import { DRAIN_SQL } from './summary-drain-sql.js';

/** One drain on `c`, which must be in a transaction (DuckDBStore.drainSummaryQueue opens it). */
export async function drainQueue(
  c: DuckDBConnection,
  summarize: (drain: SummaryDrain) => Promise<SummarizedStream[]>,
): Promise<void> {
  try {
    await c.run(DRAIN_SQL.keys);
    const streams = (await c.runAndReadAll(DRAIN_SQL.readKeys))
      .getRows()
      .map(
        ([, did, channel, pdata_id, resume, state, resumeEts]) =>
          ({ did, channel, pdata_id, resume, state, resumeEts }) as QueuedStream,
      );
    if (streams.length === 0) return;
    const written = await summarize({ streams, readEvents: (after, onEvent) => readEvents(c, after, onEvent) });
    for (const statement of [DRAIN_SQL.deleteSummaries, DRAIN_SQL.deletePages, DRAIN_SQL.deleteState])
      await c.run(statement);
    for (const statement of DRAIN_SQL.stage) await c.run(statement);
    await appendDrainRows(c, written);
    for (const statement of DRAIN_SQL.insert) await c.run(statement);
    await c.run(DRAIN_SQL.clear);
  } finally {
    // In an aborted transaction these fail too; the rollback removes the temp tables anyway.
    for (const statement of DRAIN_SQL.drop) await c.run(statement).catch(() => {});
  }
}

/** Streams the sorted events chunk by chunk, column by column (SummaryDrain.readEvents); `drain_keys.idx` is 1-based. */
async function readEvents(
  c: DuckDBConnection,
  after: number | null,
  onEvent: (index: number, event: StreamEvent) => void,
): Promise<number> {
  const result = await c.stream(DRAIN_SQL.events(after));
  let read = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
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
