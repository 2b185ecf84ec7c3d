/**
 * Reading a result's rows into JS values, one chunk at a time.
 *
 * A chunk's vectors are views onto native memory (`vector_get_data` wraps it without owning it), and a streamed
 * result's later fetches let DuckDB move on: each chunk's values are copied into JS (strings decoded) right after
 * its own fetch, before the next fetch and while the chunk and its result are both held, never from a list of chunks
 * read earlier. (Issue 10's garbled strings were not this but a plan made before a load and run after it: see
 * DuckDBStore.inOwnTransaction.)
 */
import type { DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import { apiValueConverter, toJsonRows } from './values.js';

/** Rows read from `result`: at most `limit` (default: all), and whether the result had more. */
export interface ReadRows {
  /** Row-major JSON-safe values (see `toJsonValue`). */
  rows: unknown[][];
  /** True when a row beyond `limit` exists; the rest of the result is not read. */
  more: boolean;
}

/**
 * A result's chunks, each fetched on a libuv thread (the event loop turns between them), until an empty one. Read
 * each chunk's values before asking for the next (above).
 */
export async function* chunksOf(result: DuckDBResult): AsyncGenerator<DuckDBDataChunk> {
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return;
    yield chunk;
  }
}

/** Fetches chunks of `result` until `limit` rows plus one are seen or the result ends, copying each one out at once. */
export async function readRows(result: DuckDBResult, limit = Number.POSITIVE_INFINITY): Promise<ReadRows> {
  const rows: unknown[][] = [];
  for await (const chunk of chunksOf(result)) {
    for (const row of copyRows(chunk)) {
      if (rows.length === limit) return { rows, more: true };
      rows.push(row);
    }
  }
  return { rows, more: false };
}

/** The chunk's rows as JS values: strings decoded now, so nothing refers to the chunk's memory afterwards. */
function copyRows(chunk: DuckDBDataChunk): unknown[][] {
  return toJsonRows(chunk.convertRows(apiValueConverter));
}
