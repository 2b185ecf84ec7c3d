/**
 * The ClickHouse test service for test files: scripts/clickhouse.sh installs it (apt) when missing and starts it on
 * its loopback port, or finds it running (npm test starts it first, scripts/test.sh). A file that started it leaves
 * it running for the next (`scripts/clickhouse.sh stop` stops it): stopping could cut off a file running beside it.
 * Each file gets a database of its own, dropped at its end.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const SCRIPT = path.resolve(import.meta.dirname, '../../../../scripts/clickhouse.sh');

function script(command: string) {
  return spawnSync('bash', [SCRIPT, command], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export type ClickHouseService =
  | {
      /** The store URL of a new database for this file (`clickhouse://127.0.0.1:<port>/<database>`). */
      storeUrl: string;
      /** The server's HTTP address, for raw requests in tests. */
      httpUrl: string;
      database: string;
    }
  | { skip: string };

let service: ClickHouseService | undefined;

/**
 * The running service and a database for this test file; `{ skip }` with a one-line reason only when
 * clickhouse-server is not installed and cannot be (no apt-get, no root or sudo, no network).
 * @throws Error when it is installed but does not start (a real failure, never a skip)
 */
export function clickHouseService(): ClickHouseService {
  if (service) return service;
  if (script('status').status !== 0) {
    if (script('install').status !== 0) {
      service = { skip: 'clickhouse-server is not installed and apt-get could not install it (scripts/clickhouse.sh)' };
      return service;
    }
    const started = script('start');
    if (started.status !== 0) throw new Error(`scripts/clickhouse.sh start failed:\n${started.stderr}`);
  }
  const url = script('url').stdout.trim();
  const httpUrl = url.replace(/^clickhouse:/, 'http:').replace(/\/[^/]*$/, '');
  const database = `test_${process.pid}_${Date.now().toString(36)}`;
  service = { storeUrl: url.replace(/[^/]*$/, database), httpUrl, database };
  after(async () => {
    await fetch(`${httpUrl}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` }).catch(() => {});
  });
  return service;
}

/** Runs `sql` on the service over plain HTTP (no store in between) and gives the answer's text. */
export async function clickHouseText(httpUrl: string, sql: string): Promise<string> {
  const response = await fetch(`${httpUrl}/`, { method: 'POST', body: sql });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text}`);
  return text;
}

/** The environment scripts/clickhouse.sh runs one shard of clickHouseCluster's with. */
export type ShardEnv = Record<
  | 'TELEMETRY_CLICKHOUSE_DIR'
  | 'TELEMETRY_CLICKHOUSE_HTTP_PORT'
  | 'TELEMETRY_CLICKHOUSE_TCP_PORT'
  | 'TELEMETRY_CLICKHOUSE_CLUSTER',
  string
>;

export type ClickHouseClusterService =
  | {
      /** The store URL of a new database spread over both shards (`…/<database>?cluster=…&shards=…`). */
      storeUrl: string;
      /** Each shard's HTTP address; the first also keeps the store's other tables (the URL's server). */
      shardUrls: string[];
      /** Each shard's environment, for stopShard and startShard. */
      shardEnvs: ShardEnv[];
      database: string;
    }
  | { skip: string };

function shardScript(command: string, env: ShardEnv) {
  return spawnSync('bash', [SCRIPT, command], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/**
 * Starts a shard of clickHouseCluster's (again, after stopShard).
 * @throws Error when it does not start
 */
export function startShard(env: ShardEnv): void {
  const started = shardScript('start', env);
  if (started.status !== 0) throw new Error(`scripts/clickhouse.sh start (a shard) failed:\n${started.stderr}`);
}

/** Stops a shard of clickHouseCluster's, keeping its data. */
export function stopShard(env: ShardEnv): void {
  shardScript('stop', env);
}

/**
 * Two ClickHouse servers of this file's own (scripts/clickhouse.sh with their own directories and ports, beside the
 * test service's: its ports plus 10 and 11), one shard each of a cluster `shards` in both configs; stopped, with
 * their data, at the file's end. `{ skip }` only where clickhouse-server cannot be installed.
 * @throws Error when a server is installed but does not start
 */
export function clickHouseCluster(): ClickHouseClusterService {
  if (script('install').status !== 0)
    return { skip: 'clickhouse-server is not installed and apt-get could not install it (scripts/clickhouse.sh)' };
  const http = Number(process.env.TELEMETRY_CLICKHOUSE_HTTP_PORT ?? 18123);
  const tcp = Number(process.env.TELEMETRY_CLICKHOUSE_TCP_PORT ?? 19000);
  const base = process.env.TELEMETRY_CLICKHOUSE_DIR ?? path.join(os.tmpdir(), 'telemetry-clickhouse');
  const shardEnvs: ShardEnv[] = [10, 11].map((offset) => ({
    TELEMETRY_CLICKHOUSE_DIR: `${base}-shard-${offset - 9}`,
    TELEMETRY_CLICKHOUSE_HTTP_PORT: String(http + offset),
    TELEMETRY_CLICKHOUSE_TCP_PORT: String(tcp + offset),
    TELEMETRY_CLICKHOUSE_CLUSTER: `shards:127.0.0.1:${tcp + 10},127.0.0.1:${tcp + 11}`,
  }));
  for (const env of shardEnvs) startShard(env);
  after(() => {
    for (const env of shardEnvs) {
      stopShard(env);
      fs.rmSync(env.TELEMETRY_CLICKHOUSE_DIR, { recursive: true, force: true });
    }
  });
  const hosts = shardEnvs.map((env) => `127.0.0.1:${env.TELEMETRY_CLICKHOUSE_HTTP_PORT}`);
  const database = `test_${process.pid}_${Date.now().toString(36)}`;
  return {
    storeUrl: `clickhouse://${hosts[0]}/${database}?cluster=shards&shards=${hosts.join(',')}`,
    shardUrls: hosts.map((host) => `http://${host}`),
    shardEnvs,
    database,
  };
}
