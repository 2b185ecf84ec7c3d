/**
 * Compiles validated property filters to one SQL condition. Every value is bound; a string value
 * compares the property as text, a number value compares it as a number. Negative operators
 * (`neq`, `not_in`, `not_contains`) also match events where the property is absent, as PostHog's do.
 */

import { ALL_EVENTS, type EventSelector, type PropertyFilter } from '@telemetry/query';
import { eidsMatching } from '../sinks/posthog/map.js';
import type { SqlParams } from './dialect/index.js';
import { type PropertyRef, propertyNumber, propertyText, validatedProperty } from './properties.js';

const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function bind(value: string | number, p: SqlParams): string {
  return typeof value === 'number' ? p.add(value, 'Float64') : p.str(value);
}

function expr(r: PropertyRef, value: unknown, p: SqlParams): string {
  return typeof value === 'number' ? propertyNumber(r, p) : propertyText(r, p);
}

export function filterSql(filter: PropertyFilter, p: SqlParams): string {
  const r = validatedProperty(filter.property);
  const d = p.dialect;
  const { operator, value } = filter;
  if (r.kind === 'tags') {
    const tags = r.path;
    if (operator === 'is_set') return `(${d.listLength(tags)} > 0)`;
    if (operator === 'is_not_set') return `(${tags} IS NULL OR ${d.listLength(tags)} = 0)`;
    const has = d.listHas(tags, p.str(String(value)));
    return operator === 'contains' ? has : `(${tags} IS NULL OR NOT ${has})`;
  }
  switch (operator) {
    case 'is_set':
      return `(${propertyText(r, p)} IS NOT NULL)`;
    case 'is_not_set':
      return `(${propertyText(r, p)} IS NULL)`;
    case 'eq':
    case 'neq': {
      const e = expr(r, value, p);
      const eq = `${e} = ${bind(value as string | number, p)}`;
      return operator === 'eq' ? `(${eq})` : `(${e} IS NULL OR NOT (${eq}))`;
    }
    case 'in':
    case 'not_in': {
      const values = value as (string | number)[];
      const e = expr(r, values[0], p);
      const list = `${e} IN (${values.map((v) => bind(v, p)).join(', ')})`;
      return operator === 'in' ? `(${list})` : `(${e} IS NULL OR NOT (${list}))`;
    }
    case 'contains':
    case 'not_contains': {
      const e = propertyText(r, p);
      const has = d.containsText(e, p.str(String(value)));
      return operator === 'contains' ? has : `(${e} IS NULL OR NOT ${has})`;
    }
    default:
      return `(${propertyNumber(r, p)} ${COMPARE[operator]} ${p.add(Number(value), 'Float64')})`;
  }
}

/** All filters joined with AND; `TRUE` when there are none. */
export function filtersSql(filters: PropertyFilter[] | undefined, p: SqlParams): string {
  if (!filters || filters.length === 0) return 'TRUE';
  return filters.map((f) => filterSql(f, p)).join(' AND ');
}

/**
 * The condition for one event selector: its eid (with its PostHog equivalents, sinks/posthog/map.ts;
 * `$all`: every event) and its own filters.
 */
export function selectorSql(selector: EventSelector, p: SqlParams): string {
  const own = selector.filters?.length ? ` AND ${filtersSql(selector.filters, p)}` : '';
  if (selector.eid === ALL_EVENTS) return `(TRUE${own})`;
  const eids = eidsMatching(selector.eid);
  const eid = eids.length === 1 ? `eid = ${p.str(eids[0])}` : `eid IN (${eids.map((e) => p.str(e)).join(', ')})`;
  return `(${eid}${own})`;
}
