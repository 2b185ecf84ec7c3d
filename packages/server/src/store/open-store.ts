/**
 * Opens the configured store: the one place outside `store/<engine>/` that names an adapter (../shared/DESIGN.md,
 * "Target layout"). Everything else holds a `Store` and never learns which engine answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openClickHouseStore } from './clickhouse/clickhouse-store.js';
import { openDuckDBStore } from './duckdb/duckdb-store.js';
import { type ActorKeyRule, DATA_DIR_MODE, type Store, StoreError } from './store.js';

export { DATA_DIR_MODE };

/** The DuckDB database file in a data directory (`duckdb:` without a path). */
export const DATABASE_FILE = 'telemetry.duckdb';

/** The URL schemes openStore knows, one per adapter. */
export const STORE_SCHEMES = ['duckdb', 'clickhouse'] as const;

export interface OpenStoreOptions {
  /**
   * Which engine, and where its data lives, as `<scheme>:<location>`. `duckdb:` (the default) is
   * `<dataDir>/telemetry.duckdb`; `duckdb:<path>` a database file elsewhere (relative to the working directory);
   * `duckdb::memory:` an in-memory database that is gone at close (tests). `clickhouse://<host>:<port>/<database>`
   * a ClickHouse server's HTTP interface and the database there (created when missing; docs/clickhouse.md), with
   * `?cluster=<name>&shards=<host>:<port>,…` the events spread over a cluster's shards.
   */
  url?: string;
  /** The data directory, for a URL without a location. Default: ./data. */
  dataDir?: string;
  /** Refuse to create a store that does not exist yet (commands that only read or mend one). Default false. */
  mustExist?: boolean;
  /** Directory holding spool segments: the only place the store may read files from. Default: none. */
  spoolDir?: string;
  /**
   * Who insights count (store.ts, ActorKeyRule). A change from the stored setting recomputes every key and queues
   * every device stream for summarizing again. Default: the stored setting (`federated` in a new store).
   */
  actorKey?: ActorKeyRule;
  /** ClickHouse: this process's writer number (clickhouse-store.ts, TELEMETRY_WRITER_ID). Default 0. */
  writer?: number;
  /** ClickHouse: the user user SQL runs as (TELEMETRY_CLICKHOUSE_SQL_USER). Default: the store's, under readonly=1. */
  sqlUser?: { username: string; password: string };
  /** Engine tuning for DuckDB; ignored by other engines. Defaults: those of duckdb-store.ts (2 threads, 256MB). */
  duckdb?: {
    /** Worker threads. */
    threads?: number;
    /** Memory limit, e.g. '1GB'. */
    memoryLimit?: string;
    /** Memory limit while no read runs beside the writer, e.g. '64MB' (DuckDBStoreOptions.ingestMemoryLimit). */
    ingestMemoryLimit?: string;
    /** Rows per transaction when a migration or an actor-key change fills a column of every row. */
    backfillRows?: number;
  };
}

/** Where a store URL points: its scheme and the rest (empty for the default location). */
function parseStoreUrl(url: string): { scheme: string; location: string } {
  const colon = url.indexOf(':');
  if (colon < 1) {
    throw new Error(
      `the store URL "${url}" has no scheme; write <scheme>:<location>, e.g. duckdb:./data/telemetry.duckdb`,
    );
  }
  return { scheme: url.slice(0, colon).toLowerCase(), location: url.slice(colon + 1) };
}

/**
 * What a store URL names: for DuckDB its database file (absolute, or `:memory:`); for ClickHouse the server's HTTP
 * address and the database, and for a cluster its name in the servers' `remote_servers` and each shard's HTTP address.
 */
export type StoreTarget =
  | { scheme: 'duckdb'; file: string }
  | { scheme: 'clickhouse'; httpUrl: string; database: string; cluster?: ClickHouseCluster };

/** A ClickHouse cluster (docs/clickhouse.md, "A cluster"): as the servers' config names it, and its shards. */
export interface ClickHouseCluster {
  /** The cluster's name in the servers' `remote_servers`. */
  name: string;
  /** Each shard's HTTP address (`http://<host>:<port>`), in the config's order: the store creates its tables there. */
  shards: string[];
}

/** A ClickHouse database or cluster name: a plain identifier (it is written into SQL as one). */
const CLICKHOUSE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/**
 * `clickhouse://<host>:<port>/<database>`: plain HTTP to the server (TLS and credentials are not read from the URL
 * yet: a URL with them is refused rather than half read). `?cluster=<name>&shards=<host>:<port>,…` spreads the events
 * over a cluster's shards (each shard's HTTP address; the URL's server keeps every other table).
 */
function resolveClickHouseUrl(url: string, location: string): StoreTarget {
  const example = 'clickhouse://127.0.0.1:8123/telemetry';
  const match = /^\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})\/([^/?#]*)(?:\?([^#]*))?$/.exec(location);
  if (!match)
    throw new Error(`the ClickHouse location in "${url}" is not //<host>:<port>/<database>; write e.g. ${example}`);
  const [, host, port, database, query] = match;
  if (Number(port) < 1 || Number(port) > 65535)
    throw new Error(`the ClickHouse port in "${url}" is not from 1 to 65535; write e.g. ${example}`);
  if (!CLICKHOUSE_NAME.test(database))
    throw new Error(
      `the ClickHouse database in "${url}" is not a plain name (letters, digits, _; not starting with a digit); write e.g. ${example}`,
    );
  // The server's own databases: the store's tables would be created among its tables (and collide with them).
  if (['system', 'information_schema'].includes(database.toLowerCase()))
    throw new Error(`the ClickHouse database in "${url}" is the server's own (${database}); name one for the store`);
  const target: StoreTarget = { scheme: 'clickhouse', httpUrl: `http://${host}:${Number(port)}`, database };
  if (query === undefined) return target;
  const clusterExample = `${example}?cluster=events&shards=10.0.0.1:8123,10.0.0.2:8123`;
  const params = new URLSearchParams(query);
  const unknown = [...params.keys()].filter((key) => key !== 'cluster' && key !== 'shards');
  if (unknown.length > 0)
    throw new Error(
      `the ClickHouse URL "${url}" has settings it does not know (${unknown.join(', ')}); known: cluster, shards, as in ${clusterExample}`,
    );
  const name = params.get('cluster') ?? '';
  const shards = (params.get('shards') ?? '').split(',').filter((shard) => shard !== '');
  if (!CLICKHOUSE_NAME.test(name) || shards.length === 0)
    throw new Error(
      `the ClickHouse URL "${url}" needs both cluster=<plain name> and shards=<host>:<port>,…; write e.g. ${clusterExample}`,
    );
  for (const shard of shards) {
    const address = HOST_PORT.exec(shard);
    if (!address || Number(address[2]) < 1 || Number(address[2]) > 65535)
      throw new Error(
        `the shard "${shard}" in "${url}" is not <host>:<port> (its HTTP port); write e.g. ${clusterExample}`,
      );
  }
  return { ...target, cluster: { name, shards: shards.map((shard) => `http://${shard}`) } };
}

/**
 * Reads a store URL against a data directory, opening nothing (so a setting is refused at start, not at first use).
 * A DuckDB location is a plain local file path, relative to the working directory: DuckDB itself would read
 * `md:`, `s3:` or `file:` as an extension or a remote file, and `//x`, `~/x` or `x?threads=4` as paths nobody meant.
 * @throws Error on a URL without a scheme, with a scheme no adapter serves (STORE_SCHEMES), or with such a location
 */
export function resolveStoreUrl(url: string, dataDir = './data'): StoreTarget {
  const { scheme, location } = parseStoreUrl(url);
  if (scheme === 'clickhouse') return resolveClickHouseUrl(url, location);
  if (scheme !== 'duckdb')
    throw new Error(`unknown store "${scheme}:" in "${url}"; known: ${STORE_SCHEMES.map((s) => `${s}:`).join(', ')}`);
  if (location === '') return { scheme, file: path.resolve(dataDir, DATABASE_FILE) };
  if (location === ':memory:') return { scheme, file: location };
  if (/^[a-z][a-z0-9+.-]+:|^\/\/|^~|[?#]/i.test(location))
    throw new Error(
      `the DuckDB location in "${url}" is not a local file path; write duckdb:<path>, e.g. duckdb:/var/lib/telemetry/telemetry.duckdb`,
    );
  return { scheme, file: path.resolve(location) };
}

/**
 * Opens (and migrates) the store the options name; close it with `store.close()`.
 * @throws Error on a URL resolveStoreUrl refuses
 * @throws StoreError STORE_LOCKED when another process holds the database, STORE_UNAVAILABLE when it cannot be
 *   opened (a ClickHouse server that does not answer), or (with `mustExist`) when there is no store there yet
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const target = resolveStoreUrl(options.url ?? 'duckdb:', options.dataDir);
  // The events name people: a data directory this creates is its user's alone (docs/security.md). One that exists
  // keeps the mode its operator gave it.
  if (options.dataDir && !options.mustExist) fs.mkdirSync(options.dataDir, { recursive: true, mode: DATA_DIR_MODE });
  if (target.scheme === 'clickhouse')
    return openClickHouseStore({
      url: target.httpUrl,
      database: target.database,
      actorKey: options.actorKey,
      mustExist: options.mustExist,
      writer: options.writer,
      cluster: target.cluster,
      sqlUser: options.sqlUser,
    });
  const { file } = target;
  if (options.mustExist && file !== ':memory:' && !fs.existsSync(file))
    throw new StoreError('STORE_UNAVAILABLE', `no store at ${file} (start the server once, or load data into it)`);
  return openDuckDBStore({
    file,
    spoolDir: options.spoolDir,
    actorKey: options.actorKey,
    threads: options.duckdb?.threads,
    memoryLimit: options.duckdb?.memoryLimit,
    ingestMemoryLimit: options.duckdb?.ingestMemoryLimit,
    backfillRows: options.duckdb?.backfillRows,
  });
}
