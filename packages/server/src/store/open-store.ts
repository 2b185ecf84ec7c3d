/**
 * Opens the configured store: the one place outside `store/<engine>/` that names an adapter (../shared/DESIGN.md,
 * "Target layout"). Everything else holds a `Store` and never learns which engine answers.
 */
import path from 'node:path';
import { openDuckDBStore } from './duckdb/duckdb-store.js';
import type { ActorKeyRule, Store } from './store.js';

/** The DuckDB database file in a data directory (`duckdb:` without a path). */
export const DATABASE_FILE = 'telemetry.duckdb';

/** The URL schemes openStore knows, one per adapter. */
export const STORE_SCHEMES = ['duckdb'] as const;

export interface OpenStoreOptions {
  /**
   * Which engine, and where its data lives, as `<scheme>:<location>`. `duckdb:` (the default) is
   * `<dataDir>/telemetry.duckdb`; `duckdb:<path>` a database file elsewhere (relative to the working directory);
   * `duckdb::memory:` an in-memory database that is gone at close (tests).
   */
  url?: string;
  /** The data directory, for a URL without a location. Default: ./data. */
  dataDir?: string;
  /** Directory holding spool segments: the only place the store may read files from. Default: none. */
  spoolDir?: string;
  /**
   * Who insights count (store.ts, ActorKeyRule). A change from the stored setting recomputes every key and queues
   * every device stream for summarizing again. Default: the stored setting (`federated` in a new store).
   */
  actorKey?: ActorKeyRule;
  /** Engine tuning for DuckDB; ignored by other engines. Defaults: those of duckdb-store.ts (2 threads, 512MB). */
  duckdb?: {
    /** Worker threads. */
    threads?: number;
    /** Memory limit, e.g. '1GB'. */
    memoryLimit?: string;
    /** Rows per transaction when a migration or an actor-key change fills a column of every row. */
    backfillRows?: number;
  };
}

/** Where a store URL points: its scheme and the rest (empty for the default location). */
export function parseStoreUrl(url: string): { scheme: string; location: string } {
  const colon = url.indexOf(':');
  if (colon < 1) {
    throw new Error(
      `the store URL "${url}" has no scheme; write <scheme>:<location>, e.g. duckdb:./data/telemetry.duckdb`,
    );
  }
  return { scheme: url.slice(0, colon).toLowerCase(), location: url.slice(colon + 1) };
}

/**
 * Checks a store URL without opening anything (a setting is refused at start, not at first use).
 * @throws Error on a URL without a scheme or with a scheme no adapter serves (STORE_SCHEMES)
 */
export function checkStoreUrl(url: string): void {
  const { scheme } = parseStoreUrl(url);
  if (!(STORE_SCHEMES as readonly string[]).includes(scheme))
    throw new Error(`unknown store "${scheme}:" in "${url}"; known: ${STORE_SCHEMES.map((s) => `${s}:`).join(', ')}`);
}

/**
 * Opens (and migrates) the store the options name; close it with `store.close()`.
 * @throws Error on a URL without a scheme or with a scheme no adapter serves (STORE_SCHEMES)
 * @throws StoreError STORE_LOCKED when another process holds the database, STORE_UNAVAILABLE when it cannot be opened
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.url ?? 'duckdb:';
  checkStoreUrl(url);
  const { scheme, location } = parseStoreUrl(url);
  switch (scheme) {
    case 'duckdb':
      return openDuckDBStore({
        file: location === '' ? path.join(options.dataDir ?? './data', DATABASE_FILE) : location,
        spoolDir: options.spoolDir,
        actorKey: options.actorKey,
        threads: options.duckdb?.threads,
        memoryLimit: options.duckdb?.memoryLimit,
        backfillRows: options.duckdb?.backfillRows,
      });
    default:
      throw new Error(`no adapter for "${scheme}:"`); // unreachable: checkStoreUrl knows the schemes
  }
}
