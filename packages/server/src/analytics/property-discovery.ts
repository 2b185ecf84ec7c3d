/**
 * Property discovery for the dashboard's pickers: the event names seen recently, the property
 * paths (typed columns, tags, and the cdata types seen), and a property's top values.
 */

import { CDATA_PREFIX, knownProperties, type PropertyType, resolveProperty } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams } from './dialect/index.js';
import { selectorSql } from './filters.js';
import { propertyText } from './properties.js';

const DAY = 86_400_000;

export interface DiscoveryOptions {
  /** Look back this many days: events dated in [now - days, now). Default 30. */
  days?: number;
  now?: number;
}

/**
 * The window's test on `ets`, both ends bound: events dated after now (the collector stores them, docs/ingestion.md)
 * are left out, as every insight's range ends at now.
 */
function inWindow(p: SqlParams, options: DiscoveryOptions): string {
  const now = options.now ?? Date.now();
  return `ets >= ${p.int(now - (options.days ?? 30) * DAY)} AND ets < ${p.int(now)}`;
}

export interface EventsAndProperties {
  events: { eid: string; count: number }[];
  properties: { path: string; type: PropertyType }[];
}

export async function discoverProperties(store: Store, options: DiscoveryOptions = {}): Promise<EventsAndProperties> {
  const p = new SqlParams(dialectFor(store.dialect));
  const dated = inWindow(p, options);
  // `dialect.events` (FINAL on ClickHouse) throughout: a re-sent copy not yet merged would count twice.
  const events = await store.query(
    `SELECT eid, count(*) AS n FROM ${p.dialect.events} WHERE ${dated} GROUP BY eid ORDER BY n DESC, eid LIMIT 200`,
    p.values,
  );
  const cdata = await store.query(
    `SELECT DISTINCT t FROM (SELECT ${p.dialect.expandList('cdata_type')} AS t FROM ${p.dialect.events} WHERE ${dated}) AS types
     WHERE t IS NOT NULL ORDER BY t LIMIT 200`,
    p.values,
  );
  return {
    events: events.rows.map(([eid, n]) => ({ eid: String(eid), count: Number(n) })),
    properties: [
      ...knownProperties(),
      ...cdata.rows.map(([t]) => ({ path: `${CDATA_PREFIX}${t}`, type: 'string' as const })),
      ...(await posthogProperties(store, options)).map((path) => ({ path, type: 'string' as const })),
    ],
  };
}

/** PostHog events read for their property names: enough to find every key a client sends, bounded on any store. */
const POSTHOG_SAMPLE = 10_000;

/**
 * `properties.<key>` for the keys of PostHog events' `properties` (docs/posthog.md: each stays queryable through `raw`)
 * in a sample of the window's PostHog events, in byte order, at most 200. A key with a `.` is left out: a path splits
 * there, so no property path reads it. Where the engine reads no JSON path (ClickHouse), none.
 */
async function posthogProperties(store: Store, options: DiscoveryOptions): Promise<string[]> {
  const p = new SqlParams(dialectFor(store.dialect));
  const { jsonKeys } = p.dialect;
  if (!p.dialect.supports.jsonPaths || !jsonKeys) return [];
  const keys = jsonKeys('raw', p.str(p.dialect.jsonPath(['properties'])));
  const sample = `SELECT raw FROM ${p.dialect.events}
    WHERE ${inWindow(p, options)} AND ingest_format = ${p.str('posthog')} LIMIT ${p.rows(POSTHOG_SAMPLE)}`;
  const result = await store.query(
    `SELECT DISTINCT k FROM (SELECT ${p.dialect.expandList(keys)} AS k FROM (${sample}) AS sampled) AS found
     WHERE k IS NOT NULL ORDER BY k LIMIT 200`,
    p.values,
  );
  return result.rows
    .map(([k]) => String(k))
    .filter((k) => !k.includes('.') && typeof resolveProperty(`properties.${k}`) !== 'string')
    .map((k) => `properties.${k}`);
}

/**
 * The most frequent values of one property, most frequent first; `eid` narrows them to the events an insight's
 * selector of that eid matches (its PostHog equivalents too; `$all`: every event).
 */
export async function topValues(
  store: Store,
  path: string,
  options: DiscoveryOptions & { eid?: string; limit?: number } = {},
): Promise<{ value: string; count: number }[]> {
  const ref = resolveProperty(path);
  if (typeof ref === 'string') throw new TypeError(ref);
  const p = new SqlParams(dialectFor(store.dialect));
  const dated = inWindow(p, options);
  const value = ref.kind === 'tags' ? p.dialect.expandList('tags') : propertyText(ref, p);
  const eid = options.eid ? ` AND ${selectorSql({ eid: options.eid }, p)}` : '';
  const sql = `SELECT v, count(*) AS n FROM (SELECT ${value} AS v FROM ${p.dialect.events} WHERE ${dated}${eid}) AS vals
    WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT ${p.rows(options.limit ?? 20)}`;
  const result = await store.query(sql, p.values);
  return result.rows.map(([v, n]) => ({ value: String(v), count: Number(n) }));
}
