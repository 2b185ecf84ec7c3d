/**
 * The one table from property paths (as written in a query) to SQL: typed columns for the hot paths,
 * a cdata lookup, the tag list, and JSON extraction on `raw` for any other path — with the path
 * itself bound as a parameter, so a property name is never SQL text.
 */
import { type PropertyRef, resolveProperty } from '@telemetry/query';

// The path grammar lives in @telemetry/query; re-exported for the read routes that resolve a path.
export { type PropertyRef, resolveProperty };

import { type SqlDialect, type SqlParams, unsupported } from './dialect/index.js';

/** Refuses a property this engine cannot read as DuckDB does (SqlDialect `supports`), naming it. */
function checkSupported(ref: PropertyRef, d: SqlDialect, asText: boolean): void {
  if (ref.kind === 'json' && !d.supports.jsonPaths)
    throw unsupported(d, `the property ${ref.path}, read from the raw JSON (only the typed columns, cdata and tags)`);
  if (asText && ref.kind === 'column' && ref.type === 'number' && !d.supports.numberText)
    throw unsupported(d, `the number property ${ref.path} as text (a breakdown by it, or compared with a string)`);
}

/** A path the query parser (@telemetry/query) has already accepted; a refusal here is a programming error, not bad input. */
export function validatedProperty(path: string): PropertyRef {
  const resolved = resolveProperty(path);
  if (typeof resolved === 'string') throw new Error(resolved);
  return resolved;
}

/** The SQL expression for a property as text (numbers as their text), with bound parameters for names. */
export function propertyText(ref: PropertyRef, p: SqlParams): string {
  const d = p.dialect;
  checkSupported(ref, d, true);
  switch (ref.kind) {
    case 'column':
      return ref.type === 'number' ? d.toText(ref.column) : ref.column;
    case 'cdata':
      return d.elementByKey('cdata_id', 'cdata_type', p.str(ref.cdataType));
    case 'json':
      return d.jsonExtractString('raw', p.str(d.jsonPath(ref.segments)));
    case 'tags':
      throw new Error('tags is a list; use propertyList');
  }
}

/**
 * A breakdown's group of an event as text, '' when absent. Tags (trends only, @telemetry/query) give one row per
 * distinct tag, so an event with two tags counts in both groups, and one without tags (or only NULLs) in ''.
 */
export function breakdownGroup(ref: PropertyRef, p: SqlParams): string {
  const d = p.dialect;
  return ref.kind === 'tags' ? d.unnestOrEmpty(d.listDistinct(ref.path)) : `coalesce(${propertyText(ref, p)}, '')`;
}

/** The condition that an event is in breakdown group `value` ('' = absent), as `breakdownGroup` groups it. */
export function inBreakdownGroup(ref: PropertyRef, value: string, p: SqlParams): string {
  const d = p.dialect;
  if (ref.kind !== 'tags') return `${breakdownGroup(ref, p)} = ${p.str(value)}`;
  if (value !== '') return d.listHas(ref.path, p.str(value));
  return `coalesce(${d.listLength(d.listDistinct(ref.path))}, 0) = 0`;
}

/** The SQL expression for a property as a number (NULL when absent or not numeric). */
export function propertyNumber(ref: PropertyRef, p: SqlParams): string {
  const d = p.dialect;
  checkSupported(ref, d, false);
  switch (ref.kind) {
    case 'column':
      return ref.type === 'number' ? ref.column : d.toNumber(ref.column);
    case 'json':
      return d.jsonExtractNumber('raw', p.str(d.jsonPath(ref.segments)));
    default:
      return d.toNumber(propertyText(ref, p));
  }
}

/** The column that identifies who is counted, per aggregation (an actor by its key: docs/analytics.md, the actor key). */
export const ENTITY_COLUMNS = { actor: 'actor_key', device: 'did', session: 'sid' } as const;
