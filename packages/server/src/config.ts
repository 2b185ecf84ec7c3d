/** Server configuration: every setting, its environment variable and its default, in one place. */
import path from 'node:path';
import { DEFAULT_CLOCK_SKEW_MS } from './ingest/clock-skew.js';
import { parseLevelCeiling } from './ingest/levels-config.js';
import { memoryLimitBytes } from './store/duckdb/memory-limit.js';
import { resolveStoreUrl, type StoreTarget } from './store/open-store.js';
import { ACTOR_KEY_RULES, type ActorKeyRule } from './store/store.js';

export interface Config {
  /** HTTP port. Env PORT. Default 8080. */
  port: number;
  /** Interface to bind. Env HOST. Default 127.0.0.1. */
  host: string;
  /** Where the database, spool and other state live. Env TELEMETRY_DATA_DIR. Default ./data. */
  dataDir: string;
  /**
   * Which store holds the events, as a URL (store/open-store.ts): `duckdb:` is telemetry.duckdb in the data
   * directory, `duckdb:<path>` a database file elsewhere (relative to the working directory). Env TELEMETRY_STORE.
   * Default `duckdb:`. Refused at start: a URL resolveStoreUrl refuses, `duckdb::memory:`, and (until the server runs
   * on it) `clickhouse://…`, which openStore opens for tests and tools (docs/clickhouse.md).
   */
  store: string;
  /** Bearer token for reading (/api/*). Env TELEMETRY_ADMIN_TOKEN. Default unset: reads are open. */
  adminToken?: string;
  /** Comma-separated write keys for ingestion. Env TELEMETRY_WRITE_KEYS. Default unset: ingestion is open. */
  writeKeys: string[];
  /**
   * PostHog project API keys and the channel each maps to, for the PostHog capture endpoints (docs/posthog.md); each
   * is also accepted as a write key. Env TELEMETRY_POSTHOG_KEYS, `key=channel` pairs, comma-separated. Default none:
   * with no keys and no write keys, any token is accepted and its events have no channel.
   */
  posthogKeys: Record<string, string>;
  /**
   * The PostHog forwarder (sinks/posthog, docs/posthog.md): on when host and key are both set.
   * Env TELEMETRY_FORWARD_POSTHOG_HOST (e.g. https://us.i.posthog.com), TELEMETRY_FORWARD_POSTHOG_KEY (the project
   * API key), TELEMETRY_FORWARD_POSTHOG_CHANNELS and _EIDS (comma-separated filters; default all),
   * TELEMETRY_FORWARD_POSTHOG_EVENT_NAME (`eid`, default, or `eid:edata.type`), TELEMETRY_FORWARD_POSTHOG_BATCH
   * (events per request, default 1000), TELEMETRY_FORWARD_POSTHOG_RETRY_MS (first retry delay, default 1000; at
   * most 60 s), TELEMETRY_FORWARD_POSTHOG_THREADS (worker threads encoding batches, default 1; 0 = the main thread).
   * Default off.
   */
  forwardPostHog?: ForwardPostHogConfig;
  /** Largest request body as sent (compressed or not). Env TELEMETRY_MAX_BODY_BYTES. Default 5 MB (Sunbird's). */
  maxBodyBytes: number;
  /** Largest body after gzip/deflate/br inflation; a bomb is cut off here. Env TELEMETRY_MAX_INFLATED_BYTES. Default 16 MB. */
  maxInflatedBytes: number;
  /** Events per batch. Env TELEMETRY_MAX_BATCH_EVENTS. Default 5000. */
  maxBatchEvents: number;
  /**
   * A batch whose send time (envelope `ets`) differs from its receive time by more than this, in ms, gets that
   * difference as its clock offset (events.ets_corrected). Env TELEMETRY_CLOCK_SKEW_MS. Default 60000.
   */
  clockSkewMs: number;
  /** Bytes per event; larger events are rejected into failed_events. Env TELEMETRY_MAX_EVENT_BYTES. Default 1 MB (Sunbird's). */
  maxEventBytes: number;
  /**
   * Nesting depth of objects and arrays in an event (the event itself is level 1); deeper events are rejected into
   * failed_events (`too_deep`). Env TELEMETRY_MAX_DEPTH. Default 32, at most 1000 (docs/ingestion.md).
   */
  maxDepth: number;
  /** Spool segment rotation: a non-empty segment is sealed for loading after this long. Env TELEMETRY_SPOOL_ROTATE_MS. Default 500. */
  spoolRotateMs: number;
  /** Sessions and time spent are recomputed after loads at most this often. Env TELEMETRY_SUMMARIZE_INTERVAL_MS. Default 2000. */
  summarizeIntervalMs: number;
  /** Rows /api/sql returns at most. Env TELEMETRY_SQL_MAX_ROWS. Default 10000. */
  sqlMaxRows: number;
  /**
   * Time limit of every user-facing query (/api/sql, insights, events feeds), counted from the request's
   * arrival: a query still queued then never starts, a running one is interrupted. Env TELEMETRY_SQL_TIMEOUT_MS. Default 10000.
   */
  sqlTimeoutMs: number;
  /**
   * Bytes of JSON rows a query may produce: /api/sql cuts its rows there (`truncated: true`), an insight or a
   * feed page past it is refused (QUERY_RESULT_TOO_LARGE). Env TELEMETRY_QUERY_MAX_BYTES. Default 32 MB.
   */
  queryMaxBytes: number;
  /** User-facing queries running at once; each holds a libuv thread. Env TELEMETRY_QUERY_CONCURRENCY. Default 2. */
  queryConcurrency: number;
  /** User-facing queries waiting for a slot; one more is a 503 QUERY_BUSY. Env TELEMETRY_QUERY_QUEUE. Default 32. */
  queryQueue: number;
  /** DuckDB threads. Env TELEMETRY_DUCKDB_THREADS. Default 2. */
  duckdbThreads: number;
  /**
   * DuckDB memory limit. Env TELEMETRY_DUCKDB_MEMORY. Default 256MB (duckdb-store.ts says why). A size with a unit
   * as DuckDB reads it (`memorySize`): refused at start otherwise.
   */
  duckdbMemory: string;
  /**
   * DuckDB's memory limit while no query or summary read runs (loads, checkpoints). Env TELEMETRY_DUCKDB_INGEST_MEMORY.
   * Default 64MB; at or above duckdbMemory the limit stays duckdbMemory (duckdb-store.ts, settleMemoryLimit). Checked
   * as duckdbMemory is: a setting the store cannot read would leave the limit at duckdbMemory, silently.
   */
  duckdbIngestMemory: string;
  /**
   * Who insights count as one actor (events.actor_key, store/duckdb/actor-key.ts): `federated` strips Sunbird's
   * federated-id prefix `f:<org-id>:` from actor.id, `as-sent` counts actor.id unchanged. Env TELEMETRY_ACTOR_KEY.
   * Default federated. Changing it recomputes the stored keys at the next start.
   */
  actorKey: ActorKeyRule;
  /**
   * This collector's number among those loading into one ClickHouse database at once (0–1023): each loads as its
   * own writer, with its own checkpoint and arrival order (docs/clickhouse.md, "Several collectors"). A DuckDB file
   * has one writer: 0 only. Env TELEMETRY_WRITER_ID. Default 0.
   */
  writerId: number;
  /**
   * The ClickHouse user user SQL (/api/sql, `telemetry sql`) runs as, when set: one limited in the server's users.xml
   * to the store's database (`allow_databases`) with a read-only profile carrying the limits (docs/clickhouse.md,
   * "User SQL"). Unset, user SQL runs as the store's user under `readonly=1` and can read other databases on the
   * server. Env TELEMETRY_CLICKHOUSE_SQL_USER, and its password TELEMETRY_CLICKHOUSE_SQL_PASSWORD. ClickHouse only.
   */
  clickhouseSqlUser?: { username: string; password: string };
  /** Highest telemetry level accepted; events above it are rejected with reason 'level'. Env TELEMETRY_MAX_LEVEL. Default full. */
  maxLevel: string;
  /** SIGTERM/SIGINT: the process exits within this bound, loading what it can meanwhile. Env TELEMETRY_SHUTDOWN_TIMEOUT_MS. Default 10000. */
  shutdownTimeoutMs: number;
  /** /health answers 503 when the loader is further behind than this, or a summarizer run takes longer. Env TELEMETRY_HEALTH_MAX_LAG_MS. Default 60000. */
  healthMaxLagMs: number;
  /** Access log on stdout. Env TELEMETRY_LOG (info|warn|silent, or another of LOG_LEVELS). Default warn. */
  logLevel: string;
  /**
   * Start on a non-loopback HOST without an admin token (then warn at every start). Env TELEMETRY_ALLOW_OPEN=1.
   * Default off: such a start is refused (docs/security.md).
   */
  allowOpen: boolean;
  /**
   * Host header names (no port) the admin API and dashboard answer; anything else is a 403 HOST_NOT_ALLOWED
   * (DNS rebinding). `*` turns the check off. Ingestion, /health and /metrics are not checked.
   * Env TELEMETRY_ALLOWED_HOSTS (comma-separated). Default localhost, 127.0.0.1, ::1 and HOST unless a wildcard.
   */
  allowedHosts: string[];
  /** Bearer token for /metrics besides the admin token. Env TELEMETRY_METRICS_TOKEN. Default unset. */
  metricsToken?: string;
  /** A request (headers and body) must arrive within this, else 408 and the connection closed. Env TELEMETRY_REQUEST_TIMEOUT_MS. Default 60000. */
  requestTimeoutMs: number;
  /** A connection idle this long is closed. Env TELEMETRY_IDLE_TIMEOUT_MS. Default 120000. */
  idleTimeoutMs: number;
}

export interface ForwardPostHogConfig {
  host: string;
  apiKey: string;
  channels: string[];
  eids: string[];
  naming: 'eid' | 'eid:edata.type';
  batchSize: number;
  retryMs: number;
  /** Worker threads that parse, map and gzip batches (sinks/posthog/encode-pool.ts); 0: the main thread does. */
  encodeThreads: number;
}

/** The forwarder's longest wait between attempts, ms: its backoff's cap, and the most of a Retry-After it honours. */
export const FORWARD_MAX_RETRY_MS = 60_000;

/** TELEMETRY_LOG's values: the documented three first, then pino's others (Fastify's logger). */
export const LOG_LEVELS = ['info', 'warn', 'silent', 'fatal', 'error', 'debug', 'trace'];

/** Loopback names and addresses: the hosts a default configuration answers. */
export const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/** True for an address that only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}

const MB = 1024 * 1024;
export const MAX_INFLATED_BYTES = 16 * MB;
export const MAX_DEPTH = 1000;
/** The highest TELEMETRY_WRITER_ID (ClickHouse stores it as UInt16; a thousand collectors on one database is plenty). */
export const MAX_WRITER_ID = 1023;

/** The longest delay a Node timer keeps: past it, setTimeout fires after 1 ms (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A number setting: its environment variable, its default, and the whole numbers it accepts (`max` unset: no bound). */
interface NumberSetting {
  env: string;
  fallback: number;
  min: number;
  max?: number;
}

/** A duration in ms that a timer waits: 0 would be a tight loop or no bound at all. */
const ms = (env: string, fallback: number): NumberSetting => ({ env, fallback, min: 1, max: MAX_TIMER_MS });

/**
 * Every number setting of Config, with the range the one rule (`wholeNumber`) checks at start, whether it comes from
 * the environment or an override (a CLI flag, a test). A count or a size that must be at least 1 refuses 0: 0 events
 * per batch would refuse every batch, 0 threads or rows would never answer.
 */
const NUMBER_SETTINGS = {
  port: { env: 'PORT', fallback: 8080, min: 0, max: 65535 },
  maxBodyBytes: { env: 'TELEMETRY_MAX_BODY_BYTES', fallback: 5 * MB, min: 1 },
  // A rejected event is spooled whole; the loader reads spool lines of at most 17 MB.
  maxInflatedBytes: {
    env: 'TELEMETRY_MAX_INFLATED_BYTES',
    fallback: MAX_INFLATED_BYTES,
    min: 1,
    max: MAX_INFLATED_BYTES,
  },
  maxBatchEvents: { env: 'TELEMETRY_MAX_BATCH_EVENTS', fallback: 5000, min: 1 },
  // 0: every batch whose clock differs at all gets its offset.
  clockSkewMs: { env: 'TELEMETRY_CLOCK_SKEW_MS', fallback: DEFAULT_CLOCK_SKEW_MS, min: 0 },
  maxEventBytes: { env: 'TELEMETRY_MAX_EVENT_BYTES', fallback: MB, min: 1 },
  // Readers that recurse (JSON.stringify in a client, a browser's dev tools) stay well within their stacks.
  maxDepth: { env: 'TELEMETRY_MAX_DEPTH', fallback: 32, min: 1, max: MAX_DEPTH },
  spoolRotateMs: ms('TELEMETRY_SPOOL_ROTATE_MS', 500),
  summarizeIntervalMs: ms('TELEMETRY_SUMMARIZE_INTERVAL_MS', 2000),
  sqlMaxRows: { env: 'TELEMETRY_SQL_MAX_ROWS', fallback: 10_000, min: 1 },
  sqlTimeoutMs: ms('TELEMETRY_SQL_TIMEOUT_MS', 10_000),
  queryMaxBytes: { env: 'TELEMETRY_QUERY_MAX_BYTES', fallback: 32 * MB, min: 1 },
  queryConcurrency: { env: 'TELEMETRY_QUERY_CONCURRENCY', fallback: 2, min: 1 },
  // 0: no query waits; one past the running ones is a 503 QUERY_BUSY.
  queryQueue: { env: 'TELEMETRY_QUERY_QUEUE', fallback: 32, min: 0 },
  duckdbThreads: { env: 'TELEMETRY_DUCKDB_THREADS', fallback: 2, min: 1 },
  writerId: { env: 'TELEMETRY_WRITER_ID', fallback: 0, min: 0, max: MAX_WRITER_ID },
  shutdownTimeoutMs: ms('TELEMETRY_SHUTDOWN_TIMEOUT_MS', 10_000),
  healthMaxLagMs: ms('TELEMETRY_HEALTH_MAX_LAG_MS', 60_000),
  // 0 would be Node's "no limit": a slow-body client held forever.
  requestTimeoutMs: ms('TELEMETRY_REQUEST_TIMEOUT_MS', 60_000),
  idleTimeoutMs: ms('TELEMETRY_IDLE_TIMEOUT_MS', 120_000),
} satisfies { [K in keyof Config]?: NumberSetting };

/** The forwarder's number settings (ForwardPostHogConfig), checked by the same rule. */
const FORWARD_NUMBER_SETTINGS = {
  batchSize: { env: 'TELEMETRY_FORWARD_POSTHOG_BATCH', fallback: 1000, min: 1 },
  // A first delay of 0 would retry a failing PostHog in a tight loop; past 60 s it is the cap anyway.
  retryMs: { env: 'TELEMETRY_FORWARD_POSTHOG_RETRY_MS', fallback: 1000, min: 1, max: FORWARD_MAX_RETRY_MS },
  // 0: the main thread encodes.
  encodeThreads: { env: 'TELEMETRY_FORWARD_POSTHOG_THREADS', fallback: 1, min: 0 },
} satisfies { [K in keyof ForwardPostHogConfig]?: NumberSetting };

/**
 * The one rule for a number setting, from the environment's text or a caller's number: a whole number within
 * `range`. Text is plain decimal only: Number() would also take "0x10", "1e2" and " 3", which nobody means in a
 * setting. Throws naming `name` and the range otherwise.
 */
export function wholeNumber(name: string, value: string | number, range: { min: number; max?: number }): number {
  const n = typeof value === 'number' ? value : /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (Number.isInteger(n) && n >= range.min && n <= max) return n;
  const accepted = range.max === undefined ? `of at least ${range.min}` : `from ${range.min} to ${range.max}`;
  throw new Error(`${name} must be a whole number ${accepted}, got "${value}"`);
}

/**
 * The rule for a DuckDB memory setting (TELEMETRY_DUCKDB_MEMORY, TELEMETRY_DUCKDB_INGEST_MEMORY): a size above 0 bytes
 * with a unit, as DuckDB reads it (store/duckdb/memory-limit.ts: `256MB`, `1GB`, `512MiB`, `1.5GB`, any case). Checked
 * here so a wrong one stops the start with its variable's name, not DuckDB's parser error as the store opens, nor
 * (the ingest limit) no error at all while the limit never drops. DuckDB's `-1`, no limit, is refused: a bound is the
 * point of the setting. Throws naming `name` otherwise.
 */
export function memorySize(name: string, value: string): string {
  const bytes = memoryLimitBytes(value);
  if (bytes !== undefined && bytes >= 1) return value;
  throw new Error(
    `${name} must be a size with a unit (KB, MB, GB, TB or KiB, MiB, GiB, TiB), e.g. 256MB or 1.5GB, got "${value}"`,
  );
}

/** A TCP port from text: a whole number 0–65535 (0 lets the system choose). Throws naming `source` otherwise. */
export function parsePort(raw: string, source: string): number {
  return wholeNumber(source, raw, NUMBER_SETTINGS.port);
}

/** Each setting of `settings` from `env` (unset or empty: its default), checked by `wholeNumber`. */
function readNumbers<K extends string>(env: NodeJS.ProcessEnv, settings: Record<K, NumberSetting>): Record<K, number> {
  const values = {} as Record<K, number>;
  for (const key of Object.keys(settings) as K[]) {
    const { env: name, fallback } = settings[key];
    const raw = env[name];
    values[key] = raw === undefined || raw === '' ? fallback : wholeNumber(name, raw, settings[key]);
  }
  return values;
}

/** `wholeNumber` over values already read: what overrides (flags, callers) put there passes the same rule. */
function checkNumbers<K extends string>(values: NoInfer<Record<K, number>>, settings: Record<K, NumberSetting>): void {
  for (const key of Object.keys(settings) as K[]) wholeNumber(settings[key].env, values[key], settings[key]);
}

/**
 * `phc_a=channel1,phc_b=channel2` → `{phc_a: 'channel1', …}`.
 * @throws Error on a pair without a key or a channel
 */
export function parsePostHogKeys(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const pair of text.split(',').map((p) => p.trim())) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    const channel = pair.slice(at + 1).trim();
    if (at < 1 || key === '' || channel === '') {
      throw new Error(`TELEMETRY_POSTHOG_KEYS holds "${pair}"; write key=channel pairs, comma-separated`);
    }
    keys[key] = channel;
  }
  return keys;
}

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function forwardConfig(env: NodeJS.ProcessEnv): ForwardPostHogConfig | undefined {
  const host = env.TELEMETRY_FORWARD_POSTHOG_HOST;
  const apiKey = env.TELEMETRY_FORWARD_POSTHOG_KEY;
  if (!host && !apiKey) return undefined;
  if (!host || !apiKey) {
    throw new Error('TELEMETRY_FORWARD_POSTHOG_HOST and TELEMETRY_FORWARD_POSTHOG_KEY are set together, or neither');
  }
  const naming = env.TELEMETRY_FORWARD_POSTHOG_EVENT_NAME || 'eid';
  if (naming !== 'eid' && naming !== 'eid:edata.type') {
    throw new Error(`TELEMETRY_FORWARD_POSTHOG_EVENT_NAME must be eid or eid:edata.type, got "${naming}"`);
  }
  // PostHog's host as a URL with its scheme: `127.0.0.1:8000` would only fail at the first request, forever.
  if (!URL.canParse(host) || !/^https?:$/.test(new URL(host).protocol)) {
    throw new Error(
      `TELEMETRY_FORWARD_POSTHOG_HOST must be an http(s) URL, e.g. https://us.i.posthog.com, got "${host}"`,
    );
  }
  return {
    host,
    apiKey,
    channels: list(env.TELEMETRY_FORWARD_POSTHOG_CHANNELS),
    eids: list(env.TELEMETRY_FORWARD_POSTHOG_EIDS),
    naming,
    ...readNumbers(env, FORWARD_NUMBER_SETTINGS),
  };
}

/**
 * The server's configuration from the environment (the README's table), then `overrides` (tests, benches, the CLI's
 * flags). An override whose value is `undefined` is not given: it keeps the environment's or the default value.
 * Throws an `Error` naming the variable for a value out of range or a refused combination.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const config: Config = {
    ...readNumbers(env, NUMBER_SETTINGS),
    host: env.HOST || '127.0.0.1',
    dataDir: path.resolve(env.TELEMETRY_DATA_DIR || './data'),
    store: env.TELEMETRY_STORE || 'duckdb:',
    adminToken: env.TELEMETRY_ADMIN_TOKEN || undefined,
    writeKeys: (env.TELEMETRY_WRITE_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    posthogKeys: parsePostHogKeys(env.TELEMETRY_POSTHOG_KEYS ?? ''),
    forwardPostHog: forwardConfig(env),
    duckdbMemory: env.TELEMETRY_DUCKDB_MEMORY || '256MB',
    duckdbIngestMemory: env.TELEMETRY_DUCKDB_INGEST_MEMORY || '64MB',
    actorKey: (env.TELEMETRY_ACTOR_KEY || 'federated') as ActorKeyRule,
    clickhouseSqlUser: env.TELEMETRY_CLICKHOUSE_SQL_USER
      ? { username: env.TELEMETRY_CLICKHOUSE_SQL_USER, password: env.TELEMETRY_CLICKHOUSE_SQL_PASSWORD ?? '' }
      : undefined,
    maxLevel: env.TELEMETRY_MAX_LEVEL || 'full',
    logLevel: env.TELEMETRY_LOG || 'warn',
    allowOpen: env.TELEMETRY_ALLOW_OPEN === '1' || env.TELEMETRY_ALLOW_OPEN === 'true',
    allowedHosts: [],
    metricsToken: env.TELEMETRY_METRICS_TOKEN || undefined,
    // `{ store: undefined }` (a bench's "no --store") must not erase the default store.
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  };
  if (!overrides.allowedHosts) {
    const listed = (env.TELEMETRY_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const bound = ['0.0.0.0', '::', '[::]'].includes(config.host) ? [] : [config.host];
    config.allowedHosts = listed.length > 0 ? listed : [...new Set([...LOOPBACK_HOSTS, ...bound])];
  }
  checkNumbers(config, NUMBER_SETTINGS);
  memorySize('TELEMETRY_DUCKDB_MEMORY', config.duckdbMemory);
  memorySize('TELEMETRY_DUCKDB_INGEST_MEMORY', config.duckdbIngestMemory);
  if (config.forwardPostHog) checkNumbers(config.forwardPostHog, FORWARD_NUMBER_SETTINGS);
  // Here, not when the pipeline or the app starts: a refused setting stops the start before the store or spool is
  // opened or created, with its one line and no other error first.
  parseLevelCeiling(config.maxLevel);
  if (!LOG_LEVELS.includes(config.logLevel)) {
    const [info, warn, silent, ...others] = LOG_LEVELS;
    throw new Error(
      `TELEMETRY_LOG must be ${info}, ${warn} or ${silent} (or ${others.join(', ')}), got "${config.logLevel}"`,
    );
  }
  let target: StoreTarget;
  try {
    target = resolveStoreUrl(config.store, config.dataDir);
  } catch (error) {
    throw new Error(`TELEMETRY_STORE: ${(error as Error).message}`);
  }
  // What the collector acknowledges must outlive the process (the spool is emptied into the store).
  if (target.scheme === 'duckdb' && target.file === ':memory:')
    throw new Error('TELEMETRY_STORE: duckdb::memory: loses every event at exit (tests only)');
  // Its cursor and dead letters are tables of DuckDB's only so far (docs/clickhouse.md, "Not yet").
  if (target.scheme === 'clickhouse' && config.forwardPostHog)
    throw new Error('TELEMETRY_FORWARD_POSTHOG_HOST: the PostHog forwarder does not run on a ClickHouse store yet');
  if (target.scheme === 'duckdb' && config.writerId !== 0)
    throw new Error('TELEMETRY_WRITER_ID: a DuckDB store has one writer (0); several collectors need ClickHouse');
  if (target.scheme === 'duckdb' && config.clickhouseSqlUser)
    throw new Error(
      'TELEMETRY_CLICKHOUSE_SQL_USER: a DuckDB store runs user SQL in its own sandbox; this is for ClickHouse',
    );
  if (!ACTOR_KEY_RULES.includes(config.actorKey)) {
    throw new Error(`TELEMETRY_ACTOR_KEY must be ${ACTOR_KEY_RULES.join(' or ')}, got "${config.actorKey}"`);
  }
  return config;
}
