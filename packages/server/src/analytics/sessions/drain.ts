/**
 * Keeps `summaries` and `page_time` up to date: takes the device streams the loader queued in
 * `summary_queue`, summarizes their new events, replaces their rows and clears the queue, all in
 * one transaction (so a crash leaves the queue to be drained again at start-up).
 *
 * Incremental (docs/sessions.md): each stream's summarizer state after its last event is kept in
 * `summary_state`. When every newly loaded event of a stream comes after that event, the drain
 * restores the state and reads only the new events; it replaces only the rows the last drain left
 * open (closed by the end of input). Otherwise — a late event, or no state yet — the stream is
 * recomputed from its first event. Both give exactly the rows one pass over all events gives.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DuckDBStore } from '../../store/duckdb/duckdb-store.js';
import type { Store } from '../../store/store.js';
import { DRAIN_SQL } from './drain-sql.js';
import { DrainOutput } from './drain-write.js';
import { StreamSummarizer } from './summarize-stream.js';
import type { StreamEvent, StreamKey, SummarizerOptions } from './types.js';

export interface DrainResult {
  streams: number;
  /** Summary rows written (final and open). */
  summaries: number;
  /** Streams continued from their saved state rather than recomputed. */
  resumed: number;
  /** Events read and summarized: the new ones for a resumed stream, all for a recomputed one. */
  eventsRead: number;
}

interface QueuedStream extends StreamKey {
  resume: boolean;
  state: string | null;
  resumeEts: number | null;
}

/** Summarizes every queued device stream. Safe to call at any time and repeatedly; a no-op when the queue is empty. */
export function drainSummaryQueue(port: Store, options: SummarizerOptions = {}): Promise<DrainResult> {
  // Still the DuckDB adapter's writer: the summarizer's own side of the port comes next.
  const store = port as DuckDBStore;
  return store.serialised(() =>
    store.inTransaction(async () => {
      const c = store.writeConnection;
      try {
        await c.run(DRAIN_SQL.keys);
        const keys = (await c.runAndReadAll(DRAIN_SQL.readKeys))
          .getRows()
          .map(
            ([, did, channel, pdata_id, resume, state, resumeEts]) =>
              ({ did, channel, pdata_id, resume, state, resumeEts }) as QueuedStream,
          );
        if (keys.length === 0) return { streams: 0, summaries: 0, resumed: 0, eventsRead: 0 };
        const output = new DrainOutput();
        const eventsRead = await summarize(c, keys, output, options);
        for (const statement of [DRAIN_SQL.deleteSummaries, DRAIN_SQL.deletePages, DRAIN_SQL.deleteState])
          await c.run(statement);
        for (const statement of DRAIN_SQL.stage) await c.run(statement);
        await output.write(c);
        for (const statement of DRAIN_SQL.insert) await c.run(statement);
        await c.run(DRAIN_SQL.clear);
        const resumed = keys.filter((k) => k.resume).length;
        return { streams: keys.length, summaries: output.summaries, resumed, eventsRead };
      } finally {
        // In an aborted transaction these fail too; the rollback removes the temp tables anyway.
        for (const statement of DRAIN_SQL.drop) await c.run(statement).catch(() => {});
      }
    }),
  );
}

/**
 * The earliest resume point when every stream resumes (null otherwise). A loop, not Math.min(...):
 * spreading 200,000 keys overflows the stack, and a drain that throws never empties its queue.
 */
export function resumeBound(keys: { resume: boolean; resumeEts: number | null }[]): number | null {
  let bound = Number.POSITIVE_INFINITY;
  for (const k of keys) {
    if (!k.resume || k.resumeEts === null) return null;
    if (k.resumeEts < bound) bound = k.resumeEts;
  }
  return bound;
}

/** Streams the sorted events chunk by chunk, column by column, into one summarizer per stream. */
async function summarize(
  c: DuckDBConnection,
  keys: QueuedStream[],
  output: DrainOutput,
  options: SummarizerOptions,
): Promise<number> {
  const result = await c.stream(DRAIN_SQL.events(resumeBound(keys)));
  let done = 0; // keys[0 .. done) have been started (the last one may still be open in `stream`)
  let stream: StreamSummarizer | null = null;
  // Ends the current stream and those before `idx` that had no events: a resumed stream re-emits its open rows.
  const advanceTo = (idx: number) => {
    if (stream) output.add(keys[done - 1], stream.end());
    stream = null;
    for (; done < idx - 1; done++) {
      const key = keys[done];
      if (key.resume) output.add(key, new StreamSummarizer(options, key.state ?? undefined).end());
    }
  };
  let read = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const v = Array.from({ length: 11 }, (_, i) => chunk.getColumnVector(i));
    for (let i = 0; i < chunk.rowCount; i++) {
      const idx = Number(v[0].getItem(i));
      if (idx !== done) {
        advanceTo(idx);
        const key = keys[idx - 1];
        stream = new StreamSummarizer(options, key.resume ? (key.state ?? undefined) : undefined);
        done = idx;
      }
      stream?.push({
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
  advanceTo(keys.length + 1);
  return read;
}
