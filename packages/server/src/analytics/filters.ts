/**
 * Compiles validated property filters to one SQL condition. Every value is bound; a string value
 * compares the property as text, a number value compares it as a number. Negative operators
 * (`neq`, `not_in`, `not_contains`) also match events where the property is absent, as PostHog's do.
 * A cohort filter (`{cohort, operator: in | not_in}`) is a semi-join on the event's actor key over the
 * cohort's actors, compiled from its definition (resolved beforehand: analytics/cohorts-insights.ts).
 */

import {
  ALL_EVENTS,
  type CohortFilter,
  type EventSelector,
  type PropertyFilter,
  type ResolvedCohort,
  type ResolvedCriterion,
} from '@telemetry/query';
import { eidsMatching } from '../sinks/posthog/map.js';
import type { SqlParams } from './dialect/index.js';
import { ENTITY_COLUMNS, type PropertyRef, propertyNumber, propertyText, validatedProperty } from './properties.js';

/** A cohort filter with its cohort's definition read from the store and its periods resolved. */
export type ResolvedCohortFilter = CohortFilter & { resolved?: ResolvedCohort };

const COMPARE = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

function bind(value: string | number, p: SqlParams): string {
  return typeof value === 'number' ? p.add(value, 'Float64') : p.str(value);
}

function expr(r: PropertyRef, value: unknown, p: SqlParams): string {
  return typeof value === 'number' ? propertyNumber(r, p) : propertyText(r, p);
}

export function filterSql(filter: PropertyFilter | ResolvedCohortFilter, p: SqlParams): string {
  if ('cohort' in filter) return cohortFilterSql(filter, p);
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
    // A number column is set where its value is: no need to write it as text.
    case 'is_set':
      return `(${r.type === 'number' ? propertyNumber(r, p) : propertyText(r, p)} IS NOT NULL)`;
    case 'is_not_set':
      return `(${r.type === 'number' ? propertyNumber(r, p) : propertyText(r, p)} IS NULL)`;
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

/** All filters joined with AND; the dialect's true when there are none. */
export function filtersSql(filters: (PropertyFilter | ResolvedCohortFilter)[] | undefined, p: SqlParams): string {
  if (!filters || filters.length === 0) return p.dialect.true;
  return filters.map((f) => filterSql(f, p)).join(' AND ');
}

/**
 * The condition for one event selector: its eid (with its PostHog equivalents, sinks/posthog/map.ts;
 * `$all`: every event) and its own filters.
 */
export function selectorSql(selector: EventSelector, p: SqlParams): string {
  const own = selector.filters?.length ? ` AND ${filtersSql(selector.filters, p)}` : '';
  if (selector.eid === ALL_EVENTS) return `(${p.dialect.true}${own})`;
  const eids = eidsMatching(selector.eid);
  const eid = eids.length === 1 ? `eid = ${p.str(eids[0])}` : `eid IN (${eids.map((e) => p.str(e)).join(', ')})`;
  return `(${eid}${own})`;
}

const ACTOR = ENTITY_COLUMNS.actor;

/** The filter's cohort, resolved. */
export function resolvedOf(filter: ResolvedCohortFilter): ResolvedCohort {
  // The server resolves every cohort before compiling (cohorts-insights.ts); reaching here without is a bug.
  if (!filter.resolved) throw new Error(`cohort ${filter.cohort} was not resolved`);
  return filter.resolved;
}

/** `column` (an actor key) in, or for `not_in` not in (or null), the actors `members` (a SELECT of one column) lists. */
export function inCohortSql(column: string, operator: CohortFilter['operator'], members: string): string {
  return operator === 'not_in' ? `(${column} IS NULL OR ${column} NOT IN (${members}))` : `(${column} IN (${members}))`;
}

function cohortFilterSql(filter: ResolvedCohortFilter, p: SqlParams): string {
  const members = `SELECT actor FROM (${cohortMembersSql(resolvedOf(filter), p)}) AS members`;
  return inCohortSql(ACTOR, filter.operator, members);
}

function periodSql(c: ResolvedCriterion, p: SqlParams): string {
  const parts = [c.from === null ? '' : `ets >= ${p.int(c.from)}`, c.to === null ? '' : `ets < ${p.int(c.to)}`];
  return parts.filter(Boolean).join(' AND ') || p.dialect.true;
}

/** The events a criterion counts: its event selector's, or those with its property filter's value, in its period. */
function countedSql(c: ResolvedCriterion, p: SqlParams): string {
  return `${c.type === 'property' ? filterSql(c.filter, p) : selectorSql(c, p)} AND ${periodSql(c, p)}`;
}

/** did: at least `atLeast` matching events in the period; did not: none; property: one matching event or more. */
function criterionSql(c: ResolvedCriterion, p: SqlParams): string {
  const done = p.dialect.countIf(countedSql(c, p));
  if (c.type === 'property') return `${done} >= 1`;
  return c.did ? `${done} >= ${p.int(c.atLeast)}` : `${done} = 0`;
}

/**
 * Whether an actor without any event some criterion counts is out of the cohort: so when all criteria must hold and
 * one needs an event (did, property), or when any may hold and each needs one (no "did not").
 */
function needsACountedEvent(cohort: ResolvedCohort): boolean {
  const needsOne = (c: ResolvedCriterion) => c.type === 'property' || c.did;
  return cohort.match === 'any' ? cohort.criteria.every(needsOne) : cohort.criteria.some(needsOne);
}

/**
 * A cohort's actors: column `actor` (the actor key, each once), kept when all (or any) criteria hold, each a
 * conditional count in one grouped scan of `events` by actor. When an actor without a counted event cannot be in
 * the cohort, the scan groups only the events some criterion counts (each count is the same over them: its events
 * are among them), a small part of the store for a narrow cohort; otherwise every actor's events. `events: true`
 * adds column `n`, the actor's stored events, and then always scans every event.
 */
export function cohortMembersSql(cohort: ResolvedCohort, p: SqlParams, options: { events?: boolean } = {}): string {
  const join = cohort.match === 'any' ? ' OR ' : ' AND ';
  const counted =
    !options.events && needsACountedEvent(cohort)
      ? ` AND (${cohort.criteria.map((c) => `(${countedSql(c, p)})`).join(' OR ')})`
      : '';
  // `dialect.events` (FINAL on ClickHouse): "at least N times" and `n` count events, a re-sent copy once.
  return `SELECT ${ACTOR} AS actor${options.events ? ', count(*) AS n' : ''} FROM ${p.dialect.events}
    WHERE ${ACTOR} IS NOT NULL${counted} GROUP BY ${ACTOR}
    HAVING ${cohort.criteria.map((c) => `(${criterionSql(c, p)})`).join(join)}`;
}
