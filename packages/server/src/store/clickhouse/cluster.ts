/**
 * The events spread over a cluster's shards (docs/clickhouse.md, "A cluster"), on 18.16, which has neither
 * `ON CLUSTER` DDL without ZooKeeper nor a `FINAL` that reads a `Distributed` table right ("Cannot find column … in
 * source stream" when a column of the sorting key is not selected). So:
 * - each shard holds the events it is given in `<database>_shard_<random>.events` (a name of this store's own, kept in
 *   `store_settings`: two stores never share a shard's table), the store's own `events` table (same columns, engine
 *   and sorting key), and a view `events_final` folding its copies (`FINAL`). The sharding key is the `mid`: every copy
 *   of an event lands on one shard, where `FINAL` folds it as on one server;
 * - on the store's server (the URL's, which keeps every other table: loads' markers, failures, batches, summaries,
 *   leases, cohorts), `events_shards` (Distributed over the shards' tables: loads insert there, synchronously) and
 *   `events_cluster` (Distributed over their views); the store's `events` becomes a view of `events_cluster`. Every
 *   read (the insights' `events FINAL`, `/api/sql`'s `events`, a load's check for mids already stored) names
 *   `events` as on one server and reads every shard, folded; a view ignores `FINAL`. Joins and `IN` subqueries run
 *   on the store's server, over its own tables (a view is a subquery), never on a shard that lacks them.
 * The cost: each shard scans and folds its part and sends the selected columns of every row; filters, grouping and
 * joins run on the store's server, in one stream (the view's LIMIT, below).
 */
import { randomBytes } from 'node:crypto';
import { StoreError } from '../store.js';
import { cleanMessage } from './errors.js';
import { literal } from './literal.js';

/** A cluster as the store URL names it (open-store.ts). */
export interface ClusterOptions {
  /** The cluster's name in the servers' `remote_servers`. */
  name: string;
  /** Each shard's HTTP address, where its tables are created. */
  shards: string[];
}

/** What setting up a cluster needs from the store: its server's reads and statements, and each shard's statements. */
export interface ClusterDeps {
  rows(sql: string): Promise<unknown[][]>;
  command(sql: string): Promise<void>;
  /** Runs `sql` on the shard at `url` (an HTTP address of `ClusterOptions.shards`). */
  shardCommand(url: string, sql: string): Promise<void>;
  database: string;
}

/** Where loads insert events on a cluster: the Distributed table over the shards (insert synchronously). */
export const CLUSTER_INSERT_TABLE = 'events_shards';

/**
 * A read through every shard that returns nothing: it fails when a shard does not answer or lacks the store's tables
 * (the store's ping on a cluster, so /health tells).
 */
export const CLUSTER_PING = 'SELECT count() FROM events_cluster WHERE 0';

/**
 * Refuses a cluster the servers' config lacks, or one with another number of shards than the URL names: before the
 * migrations, so a refused URL leaves no tables behind.
 * @throws StoreError STORE_UNAVAILABLE naming the mismatch
 */
export async function checkCluster(deps: Pick<ClusterDeps, 'rows'>, cluster: ClusterOptions): Promise<void> {
  const [[shardCount]] = await deps.rows(
    `SELECT uniqExact(shard_num) FROM system.clusters WHERE cluster = ${literal(cluster.name)}`,
  );
  if (Number(shardCount) !== cluster.shards.length)
    throw new StoreError(
      'STORE_UNAVAILABLE',
      Number(shardCount) === 0
        ? `the ClickHouse server's config has no cluster "${cluster.name}" (remote_servers)`
        : `the cluster "${cluster.name}" has ${shardCount} shards in the server's config, the store URL names ${cluster.shards.length}`,
    );
}

/**
 * Creates the cluster's tables (above) unless they are there, then reads through every shard. Each step can run
 * again after a crash. Call after the migrations, holding their lease.
 * @throws StoreError STORE_UNSUPPORTED when the store's `events` already holds rows on its own server (moving them is
 *   not done); STORE_UNAVAILABLE when a shard of the cluster does not answer or lacks the tables (a shard added to
 *   the config later, or a URL naming one server twice)
 */
export async function useCluster(deps: ClusterDeps, cluster: ClusterOptions): Promise<void> {
  const engine = await engineOf(deps, 'events');
  if (engine !== 'View') await createCluster(deps, cluster, engine);
  await pingCluster(deps, cluster);
}

/** Whether the cluster's tables are there (the store's `events` is the view over them): no lease needed then. */
export async function clusterCreated(deps: Pick<ClusterDeps, 'rows'>): Promise<boolean> {
  return (await engineOf(deps, 'events')) === 'View';
}

/**
 * Reads through every shard.
 * @throws StoreError STORE_UNAVAILABLE when a shard does not answer or lacks the store's tables
 */
export async function pingCluster(deps: Pick<ClusterDeps, 'rows'>, cluster: ClusterOptions): Promise<void> {
  await deps.rows(CLUSTER_PING).catch((error: unknown) => {
    throw new StoreError(
      'STORE_UNAVAILABLE',
      `a shard of the cluster "${cluster.name}" does not answer or lacks this store's tables (a shard added to the config, or one the URL does not name): ${cleanMessage(error)}`,
      { cause: error },
    );
  });
}

async function createCluster(deps: ClusterDeps, cluster: ClusterOptions, engine: string | undefined): Promise<void> {
  if (engine !== undefined) {
    const [[rows]] = await deps.rows('SELECT count() FROM events');
    if (Number(rows) > 0)
      throw new StoreError(
        'STORE_UNSUPPORTED',
        `not yet supported on the ClickHouse store: spreading a database's stored events (${rows}) over a cluster; start the cluster with a new database`,
      );
  }
  const shardDb = await shardDatabase(deps);
  // The events table as the migrations made it, on each shard: its statement, renamed (a crash after the rename
  // below leaves it in `events_single`).
  const source = engine === undefined ? 'events_single' : 'events';
  const [[create]] = await deps.rows(`SHOW CREATE TABLE ${source}`);
  const local = String(create).replace(/^CREATE TABLE \S+/, `CREATE TABLE IF NOT EXISTS ${shardDb}.events`);
  for (const shard of cluster.shards) {
    await deps.shardCommand(shard, `CREATE DATABASE IF NOT EXISTS ${shardDb}`);
    await deps.shardCommand(shard, local);
    await deps.shardCommand(
      shard,
      `CREATE VIEW IF NOT EXISTS ${shardDb}.events_final AS SELECT * FROM ${shardDb}.events FINAL`,
    );
  }
  // The columns a load writes and a read selects (a MATERIALIZED one is neither).
  const columns = (
    await deps.rows(`SELECT name, type FROM system.columns
      WHERE database = currentDatabase() AND table = ${literal(source)} AND default_kind != 'MATERIALIZED'`)
  )
    .map(([name, type]) => `${name} ${type}`)
    .join(', ');
  await deps.command(`CREATE TABLE IF NOT EXISTS ${CLUSTER_INSERT_TABLE} (${columns})
    ENGINE = Distributed(${cluster.name}, ${shardDb}, events, cityHash64(mid))`);
  await deps.command(`CREATE TABLE IF NOT EXISTS events_cluster (${columns})
    ENGINE = Distributed(${cluster.name}, ${shardDb}, events_final)`);
  if (source === 'events') await deps.command('RENAME TABLE events TO events_single');
  // The LIMIT (never reached) makes the shards' streams one: 18.16 applies a DISTINCT over several streams to each
  // alone when the query also has an IN subquery or a JOIN (retention's returning actors, counted once per shard).
  await deps.command('CREATE VIEW IF NOT EXISTS events AS SELECT * FROM events_cluster LIMIT 9223372036854775807');
  await deps.command('DROP TABLE IF EXISTS events_single');
}

/**
 * The shards' database of this store: `<database>_shard_<8 random hex digits>`, chosen once and kept in
 * `store_settings`, so that two stores of one name (on two servers of the cluster) or a store named like another's
 * shard database never share a table.
 */
async function shardDatabase(deps: Pick<ClusterDeps, 'rows' | 'command' | 'database'>): Promise<string> {
  const read = async () =>
    (
      await deps.rows(
        "SELECT argMax(value, updated_at) FROM store_settings WHERE name = 'cluster_shard_database' HAVING count() > 0",
      )
    )[0]?.[0] as string | undefined;
  const kept = await read();
  if (kept !== undefined) return kept;
  const chosen = `${deps.database}_shard_${randomBytes(4).toString('hex')}`;
  await deps.command(
    `INSERT INTO store_settings (name, value, updated_at) VALUES ('cluster_shard_database', ${literal(chosen)}, now())`,
  );
  return (await read()) ?? chosen;
}

/**
 * Refuses a store URL without the cluster for a database whose events are spread over one: its loads would insert
 * into a view.
 * @throws StoreError STORE_UNAVAILABLE naming the cluster
 */
export async function refuseWithoutCluster(deps: Pick<ClusterDeps, 'rows'>): Promise<void> {
  if (!(await clusterCreated(deps))) return;
  const [[engine]] = await deps.rows(
    `SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'events_cluster'`,
  );
  throw new StoreError(
    'STORE_UNAVAILABLE',
    `this database's events are spread over a cluster (${engine}): give it in the store URL, ?cluster=<name>&shards=<host>:<port>,… (docs/clickhouse.md, "A cluster")`,
  );
}

async function engineOf(deps: Pick<ClusterDeps, 'rows'>, table: string): Promise<string | undefined> {
  const [found] = await deps.rows(
    `SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = ${literal(table)}`,
  );
  return found === undefined ? undefined : String(found[0]);
}
