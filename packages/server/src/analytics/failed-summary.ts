/**
 * Data quality: rejected events (failed_events) counted by reason, eid, channel, app version and
 * UTC day over a receive-time range. Channel and app version are read from the rejected event's
 * JSON when it parses (a rejection for bad JSON has neither). Bound parameters only.
 */
import type { FailedSummary } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';
import { readJsonFields } from './json-fields.js';

const TOP = 20;

/**
 * Which rejected events to count: those whose JSON names this channel (`context.channel`) and app
 * (`context.pdata.id`); a field absent or empty: any.
 */
export interface FailedScope {
  channel?: string;
  app?: string;
}

/** One count of the summary: by `k` ('reason', 'eid', 'channel', 'app', or 'day' with its reason `r`) and value `v`. */
type CountRow = [k: string, v: string | null, r: string | null, n: number];

/** The counts, in SQL: DuckDB reads the JSON fields itself. */
async function countsInSql(store: Store, from: number, to: number, scope: FailedScope): Promise<CountRow[]> {
  const field = (path: string) => `CASE WHEN json_valid(raw) THEN json_extract_string(raw, '${path}') END`;
  const params: Record<string, string | number> = { from, to };
  // The scope filters the fields read once below (each JSON field is extracted once per event).
  const scoped: string[] = [];
  if (scope.channel) {
    scoped.push('channel = $channel');
    params.channel = scope.channel;
  }
  if (scope.app) {
    scoped.push('pdata_id = $app');
    params.app = scope.app;
  }
  const sql = `WITH fields AS (
    SELECT reason, eid, syncts, ${field('$.context.channel')} AS channel, ${field('$.context.pdata.id')} AS pdata_id,
      ${field('$.context.pdata.ver')} AS pdata_ver
    FROM failed_events WHERE syncts >= $from AND syncts < $to),
  f AS (
    SELECT reason, eid, channel, pdata_id || '@' || coalesce(pdata_ver, '?') AS app,
      strftime(epoch_ms(syncts), '%Y-%m-%d') AS day
    FROM fields WHERE ${scoped.length ? scoped.join(' AND ') : 'TRUE'})
  SELECT 'reason' AS k, reason AS v, NULL AS r, count(*) AS n FROM f GROUP BY reason
  UNION ALL SELECT 'eid', eid, NULL, count(*) FROM f GROUP BY eid
  UNION ALL SELECT 'channel', channel, NULL, count(*) FROM f GROUP BY channel
  UNION ALL SELECT 'app', app, NULL, count(*) FROM f GROUP BY app
  UNION ALL SELECT 'day', day, reason, count(*) FROM f GROUP BY day, reason`;
  return (await store.query(sql, params)).rows as CountRow[];
}

const FIELDS = [
  ['context', 'channel'],
  ['context', 'pdata', 'id'],
  ['context', 'pdata', 'ver'],
] as const;

/**
 * The counts, read in JavaScript: for an engine without JSON paths (ClickHouse 18.16), each rejected event in the
 * range is read back (`FINAL`: a retried load's copies once) and its fields read as DuckDB reads them
 * (json-fields.ts), then counted as countsInSql counts. Reads the `raw` of every rejected event in the range.
 */
async function countsInJs(store: Store, from: number, to: number, scope: FailedScope): Promise<CountRow[]> {
  const p = new SqlParams(dialectFor(store.dialect));
  const sql = `SELECT reason, eid, syncts, raw FROM ${p.dialect.failedEvents}
    WHERE syncts >= ${p.int(from)} AND syncts < ${p.int(to)}`;
  const counts = new Map<string, { k: string; v: string | null; r: string | null; n: number }>();
  const add = (k: string, v: string | null, r: string | null = null) => {
    const key = JSON.stringify([k, v, r]);
    const entry = counts.get(key) ?? { k, v, r, n: 0 };
    entry.n++;
    counts.set(key, entry);
  };
  for (const [reason, eid, syncts, raw] of (await store.query(sql, p.values)).rows) {
    const [channel, pdataId, pdataVer] = readJsonFields(String(raw), FIELDS);
    // As SQL's `=`: a field absent (NULL) is in no scope.
    if (scope.channel && channel !== scope.channel) continue;
    if (scope.app && pdataId !== scope.app) continue;
    const why = String(reason);
    add('reason', why);
    add('eid', eid === null ? null : String(eid));
    add('channel', channel);
    // As SQL's `||`: no app id, no app (NULL), whatever the version.
    add('app', pdataId === null ? null : `${pdataId}@${pdataVer ?? '?'}`);
    // The UTC day of the receive time, as DuckDB's strftime(epoch_ms(syncts), '%Y-%m-%d').
    add('day', new Date(Number(syncts)).toISOString().slice(0, 10), why);
  }
  return [...counts.values()].map(({ k, v, r, n }) => [k, v, r, n]);
}

/**
 * Counts over `[from, to)` (epoch ms of receive time, `syncts`), of the events in `scope` (an event whose JSON does
 * not parse names no channel or app, so a scope leaves it out). The same answer on every engine: DuckDB counts in
 * SQL, an engine without JSON paths (ClickHouse) in JavaScript over the range's rejected events.
 */
export async function failedSummary(
  store: Store,
  from: number,
  to: number,
  scope: FailedScope = {},
): Promise<FailedSummary> {
  const rows = dialectFor(store.dialect).supports.jsonPaths
    ? await countsInSql(store, from, to, scope)
    : await countsInJs(store, from, to, scope);
  const answer: FailedSummary = {
    from,
    to,
    total: 0,
    byReason: [],
    byEid: [],
    byChannel: [],
    byAppVersion: [],
    byDay: [],
  };
  const lists = { reason: answer.byReason, eid: answer.byEid, channel: answer.byChannel, app: answer.byAppVersion };
  for (const [k, v, r, n] of rows) {
    const value = v === null ? null : String(v);
    const count = Number(n);
    if (k === 'day') answer.byDay.push({ day: String(v), reason: String(r), count });
    else lists[k as keyof typeof lists].push({ value: value as string, count });
    if (k === 'reason') answer.total += count;
  }
  const order = (a: { value: string | null; count: number }, b: { value: string | null; count: number }) =>
    b.count - a.count || String(a.value).localeCompare(String(b.value));
  for (const list of Object.values(lists)) list.sort(order).splice(TOP);
  answer.byDay.sort((a, b) => a.day.localeCompare(b.day) || a.reason.localeCompare(b.reason));
  return answer;
}
