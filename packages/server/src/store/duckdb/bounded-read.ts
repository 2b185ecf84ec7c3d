/**
 * Reads a DuckDB result chunk by chunk within a deadline and a byte budget, so a huge or slow result
 * is cut off while it is produced instead of after it filled memory.
 *
 * Values are copied out of each chunk into plain JSON-safe JS values (strings, numbers, arrays) right after its
 * fetch, while the chunk and its result are held, never after the next fetch (the rule of read-rows.ts). Unlike
 * readRows it converts row by row, so a chunk of huge values is cut at the byte limit instead of being converted
 * whole.
 */

import v8 from 'node:v8';
import vm from 'node:vm';
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import { StoreError } from '../store.js';
import { chunksOf } from './read-rows.js';
import { apiValueConverter, toJsonValue } from './values.js';

/**
 * A full garbage collection. DuckDB results and chunks are freed only by their JS finalizers, and V8 does not
 * know how much native memory they hold (a 2,048-row chunk of 100 kB strings is 200 MB), so after a large
 * read nothing prompts a collection and RSS keeps growing query after query.
 */
const collectGarbage: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/** Bytes read past which the read's chunks are collected at once rather than whenever V8 gets to it. */
const COLLECT_AFTER_BYTES = 8 * 1024 * 1024;

/** How often an interrupt is repeated past the deadline: one sent before the engine starts the query is lost. */
const INTERRUPT_REPEAT_MS = 50;

export interface BoundedRows {
  columns: string[];
  rows: unknown[][];
  /** Why reading stopped early, when it did. */
  cutBy?: 'rows' | 'bytes';
}

export interface ReadLimits {
  deadline?: number;
  maxBytes?: number;
  maxRows?: number;
}

/**
 * Runs `start` (which begins a streaming query on `connection`) and reads its rows within `limits`.
 * At the deadline the connection is interrupted, repeatedly until the engine gives up.
 * @throws StoreError STORE_TIMEOUT past the deadline; driver errors are left to the caller to wrap.
 */
export async function readBounded(
  connection: DuckDBConnection,
  start: () => Promise<DuckDBResult>,
  limits: ReadLimits,
): Promise<BoundedRows> {
  const { deadline = Number.POSITIVE_INFINITY, maxBytes = Number.POSITIVE_INFINITY } = limits;
  const maxRows = limits.maxRows ?? Number.POSITIVE_INFINITY;
  if (Date.now() >= deadline) throw timedOut();
  let expired = false;
  let bytes = 0;
  let repeat: NodeJS.Timeout | undefined;
  const timer = Number.isFinite(deadline)
    ? setTimeout(() => {
        expired = true;
        connection.interrupt();
        repeat = setInterval(() => connection.interrupt(), INTERRUPT_REPEAT_MS);
      }, deadline - Date.now())
    : undefined;
  try {
    const result = await start();
    const columns = result.columnNames();
    const rows: unknown[][] = [];
    for await (const chunk of chunksOf(result)) {
      if (expired || Date.now() >= deadline) throw timedOut();
      for (let i = 0; i < chunk.rowCount; i++) {
        if (rows.length >= maxRows) return { columns, rows, cutBy: 'rows' };
        if (Date.now() >= deadline) throw timedOut(); // converting a chunk of large values takes time too
        // An explicit copy: DuckDB values → JS → JSON-safe values, measured as the JSON they become.
        const row = chunk.convertRowValues(i, apiValueConverter).map(toJsonValue);
        bytes += jsonBytes(row);
        if (bytes > maxBytes) return { columns, rows, cutBy: 'bytes' };
        rows.push(row);
      }
    }
    return { columns, rows };
  } catch (error) {
    if (expired) throw timedOut();
    throw error;
  } finally {
    clearTimeout(timer);
    clearInterval(repeat);
    // Once this read's result and chunks are unreachable (the caller closes the connection first).
    if (bytes > COLLECT_AFTER_BYTES || bytes > maxBytes) setImmediate(collectGarbage);
  }
}

/** Bytes of `row` as UTF-8 JSON text, plus its separator. */
function jsonBytes(row: unknown[]): number {
  return Buffer.byteLength(JSON.stringify(row)) + 1;
}

function timedOut(): StoreError {
  return new StoreError('STORE_TIMEOUT', 'the query ran past its time limit');
}
