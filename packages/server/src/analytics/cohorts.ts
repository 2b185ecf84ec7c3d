/**
 * Saved cohorts (table `cohorts`, migration 12): create, read, replace, delete, count and list. A cohort is counted
 * again at every use, its relative periods ending at that clock reading (its SQL: filters.ts cohortMembersSql).
 * Every value is bound; a definition is stored as the JSON the API checked with @telemetry/query.
 */
import { randomUUID } from 'node:crypto';
import {
  type Cohort,
  type CohortActors,
  type CohortBody,
  parseCohortDefinition,
  type ResolvedCohort,
} from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams as Params, unsupported } from './dialect/index.js';
import { cohortMembersSql } from './filters.js';

const COLUMNS = 'id, name, description, definition, created_at, updated_at';

/**
 * Refuses the saved-cohort table's reads and writes on a store without one: the ClickHouse store has no `cohorts`
 * table yet (its writes would need a versioned ReplacingMergeTree, since 18.16 has no UPDATE ... RETURNING). Counting
 * a cohort and its members read only `events`, and run on both.
 */
function checkCohortTable(store: Store): void {
  const d = dialectFor(store.dialect);
  if (d.name === 'clickhouse') throw unsupported(d, 'saved cohorts (the ClickHouse store has no cohorts table yet)');
}

function toCohort(row: unknown[]): Cohort {
  const [id, name, description, definition, created, updated] = row;
  return {
    id: String(id),
    name: String(name),
    ...(description === null || description === undefined ? {} : { description: String(description) }),
    definition: JSON.parse(String(definition)),
    createdAt: Number(created),
    updatedAt: Number(updated),
  };
}

export async function listCohorts(store: Store): Promise<Cohort[]> {
  checkCohortTable(store);
  const r = await store.query(`SELECT ${COLUMNS} FROM cohorts ORDER BY created_at, id`);
  return r.rows.map(toCohort);
}

/** The cohort with that id, or undefined. */
export async function getCohort(store: Store, id: string): Promise<Cohort | undefined> {
  checkCohortTable(store);
  const r = await store.query(`SELECT ${COLUMNS} FROM cohorts WHERE id = $id`, { id });
  return r.rows[0] ? toCohort(r.rows[0]) : undefined;
}

/** Saves a checked body; answers its id. */
export async function createCohort(store: Store, body: CohortBody, now = Date.now()): Promise<string> {
  checkCohortTable(store);
  const id = randomUUID();
  await store.query('INSERT INTO cohorts VALUES ($id, $name, $description, $definition, $now, $now)', {
    id,
    name: body.name,
    description: body.description ?? null,
    definition: JSON.stringify(body.definition),
    now,
  });
  return id;
}

/** Replaces a cohort's name, description and definition; false when there is no such cohort. */
export async function replaceCohort(store: Store, id: string, body: CohortBody, now = Date.now()): Promise<boolean> {
  checkCohortTable(store);
  const r = await store.query(
    `UPDATE cohorts SET name = $name, description = $description, definition = $definition, updated_at = $now
      WHERE id = $id RETURNING id`,
    { id, name: body.name, description: body.description ?? null, definition: JSON.stringify(body.definition), now },
  );
  return r.rows.length > 0;
}

export async function deleteCohort(store: Store, id: string): Promise<boolean> {
  checkCohortTable(store);
  const r = await store.query('DELETE FROM cohorts WHERE id = $id RETURNING id', { id });
  return r.rows.length > 0;
}

/** A stored definition resolved against `now`; it was checked when saved, so an error here is a bug. */
export function resolveCohort(cohort: Cohort, now: number): ResolvedCohort {
  const parsed = parseCohortDefinition(cohort.definition, now);
  if (!parsed.ok) throw new Error(`cohort ${cohort.id} holds an invalid definition: ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}

/** How many actors are in the cohort now. */
export async function countCohort(store: Store, cohort: Cohort, now = Date.now()): Promise<number> {
  const p = new Params(dialectFor(store.dialect));
  const sql = `SELECT count(*) FROM (${cohortMembersSql(resolveCohort(cohort, now), p)}) AS members`;
  const r = await store.query(sql, p.values);
  return Number(r.rows[0][0]);
}

/** A page of the cohort's actors, most stored events first, then by id (the drill-down's order and shape). */
export async function cohortActors(
  store: Store,
  cohort: Cohort,
  page: { limit: number; offset: number },
  now = Date.now(),
): Promise<CohortActors> {
  const p = new Params(dialectFor(store.dialect));
  const members = cohortMembersSql(resolveCohort(cohort, now), p, { events: true });
  // The total beside the page by a window where the engine has one; ClickHouse 18.16 has none, so there it is
  // counted by a query of its own (countCohort, as for a page past the end).
  const windows = p.dialect.name === 'duckdb';
  const sql = `SELECT actor, n${windows ? ', count(*) OVER () AS total' : ''} FROM (${members}) AS members
    ORDER BY n DESC, actor LIMIT ${p.rows(page.limit)} OFFSET ${p.rows(page.offset)}`;
  const rows = (await store.query(sql, p.values)).rows;
  const count = windows && rows.length ? Number(rows[0][2]) : await countCohort(store, cohort, now);
  return { count, offset: page.offset, actors: rows.map(([id, n]) => ({ id: String(id), events: Number(n) })) };
}
