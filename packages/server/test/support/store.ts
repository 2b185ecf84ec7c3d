/**
 * Stores for tests, opened through store/open-store.ts as the server opens its own, so no test names an adapter;
 * and the one handle on the DuckDB adapter's write queue that tests of its concurrency need.
 */
import { type OpenStoreOptions, openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

/** An empty in-memory store, gone at close. `spoolDir`: where it may load segments from (default: nowhere). */
export function openMemoryStore(options: Omit<OpenStoreOptions, 'url' | 'dataDir'> = {}): Promise<Store> {
  return openStore({ ...options, url: 'duckdb::memory:' });
}

/** What the DuckDB adapter has besides the port: its serialised write queue and the connection it writes on. */
export interface DuckDBWriter {
  /** Runs `work` after every earlier write (loads, drains); later writes wait for it. */
  serialised<T>(work: () => Promise<T>): Promise<T>;
  writeConnection: { run(sql: string): Promise<unknown> };
}

/**
 * The DuckDB adapter's writer behind `store`, for tests that hold it (a long load) or run a statement on it
 * (CHECKPOINT). @throws Error when `store` is another engine's
 */
export function duckdbWriter(store: Store): DuckDBWriter {
  if (store.dialect !== 'duckdb') throw new Error(`a DuckDB-only test was given a ${store.dialect} store`);
  return store as unknown as DuckDBWriter;
}
