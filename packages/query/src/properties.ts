/**
 * The property-path grammar, as written in a query: typed columns for the hot paths, a cdata
 * lookup, the tag list, and any other dotted path (read from the raw JSON by the store). The
 * server turns a resolved reference into SQL (server/src/analytics/properties.ts).
 */

export type PropertyType = 'string' | 'number' | 'list';

/** Paths stored as typed columns of `events` (migrations 1 and 10): cheap to filter, group and aggregate. */
export const COLUMN_PROPERTIES: Record<string, { column: string; type: 'string' | 'number' }> = {
  eid: { column: 'eid', type: 'string' },
  mid: { column: 'mid', type: 'string' },
  ver: { column: 'ver', type: 'string' },
  'actor.id': { column: 'actor_id', type: 'string' },
  'actor.type': { column: 'actor_type', type: 'string' },
  'context.channel': { column: 'channel', type: 'string' },
  'context.env': { column: 'env', type: 'string' },
  'context.sid': { column: 'sid', type: 'string' },
  'context.did': { column: 'did', type: 'string' },
  'context.pdata.id': { column: 'pdata_id', type: 'string' },
  'context.pdata.ver': { column: 'pdata_ver', type: 'string' },
  'context.pdata.pid': { column: 'pdata_pid', type: 'string' },
  'object.id': { column: 'object_id', type: 'string' },
  'object.type': { column: 'object_type', type: 'string' },
  'object.ver': { column: 'object_ver', type: 'string' },
  'edata.type': { column: 'edata_type', type: 'string' },
  'edata.subtype': { column: 'edata_subtype', type: 'string' },
  'edata.mode': { column: 'edata_mode', type: 'string' },
  'edata.id': { column: 'edata_id', type: 'string' },
  'edata.pageid': { column: 'edata_pageid', type: 'string' },
  'edata.uri': { column: 'edata_uri', type: 'string' },
  'edata.duration': { column: 'edata_duration', type: 'number' },
  'edata.rating': { column: 'edata_rating', type: 'number' },
  'edata.query': { column: 'edata_query', type: 'string' },
  // Migration 10: the organisation hierarchy (state, district, block, cluster in Sunbird's deployments).
  'context.rollup.l1': { column: 'rollup_l1', type: 'string' },
  'context.rollup.l2': { column: 'rollup_l2', type: 'string' },
  'context.rollup.l3': { column: 'rollup_l3', type: 'string' },
  'context.rollup.l4': { column: 'rollup_l4', type: 'string' },
  'object.rollup.l1': { column: 'object_rollup_l1', type: 'string' },
  'object.rollup.l2': { column: 'object_rollup_l2', type: 'string' },
  'object.rollup.l3': { column: 'object_rollup_l3', type: 'string' },
  'object.rollup.l4': { column: 'object_rollup_l4', type: 'string' },
};

/** `tags`: the event's tag list; filters use `contains` / `not_contains` / `is_set` / `is_not_set`. */
export const TAGS_PROPERTY = 'tags';
/** `cdata.<type>`: the id of the context.cdata entry of that type, e.g. `cdata.UserSession`. */
export const CDATA_PREFIX = 'cdata.';

export type PropertyRef =
  | { kind: 'column'; path: string; column: string; type: 'string' | 'number' }
  | { kind: 'tags'; path: string; type: 'list' }
  | { kind: 'cdata'; path: string; cdataType: string; type: 'string' }
  | { kind: 'json'; path: string; segments: string[]; type: 'string' };

const MAX_PATH = 200;

/**
 * What a path means, or why it is refused. Any other dotted path (`edata.extra.pos`,
 * `context.rollup.l5`) reads the raw JSON: slower, and compared as text unless used as a number.
 */
export function resolveProperty(path: unknown): PropertyRef | string {
  if (typeof path !== 'string' || path.length === 0) return 'a property path must be a non-empty string';
  if (path.length > MAX_PATH) return `a property path is at most ${MAX_PATH} characters`;
  const column = COLUMN_PROPERTIES[path];
  if (column) return { kind: 'column', path, ...column };
  if (path === TAGS_PROPERTY) return { kind: 'tags', path, type: 'list' };
  if (path.startsWith(CDATA_PREFIX) && path.length > CDATA_PREFIX.length) {
    return { kind: 'cdata', path, cdataType: path.slice(CDATA_PREFIX.length), type: 'string' };
  }
  const segments = path.split('.');
  if (segments.some((s) => s.length === 0)) return `property "${path}" has an empty path segment`;
  return { kind: 'json', path, segments, type: 'string' };
}

/** The properties the dashboard's pickers offer before looking at data. */
export function knownProperties(): { path: string; type: PropertyType }[] {
  return [
    ...Object.entries(COLUMN_PROPERTIES).map(([path, c]) => ({ path, type: c.type })),
    { path: TAGS_PROPERTY, type: 'list' as const },
  ];
}
