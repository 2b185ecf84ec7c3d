/**
 * Saved cohorts (table `cohorts`: DuckDB migration 12, ClickHouse migration 2): create, read, replace, delete, count and
 * list. A cohort is counted again at every use, its relative periods ending at that clock reading (its SQL: filters.ts
 * cohortMembersSql). Every value is bound; a definition is stored as the JSON the API checked with @telemetry/query.
 *
 * ClickHouse 18.16 has no UPDATE or DELETE (only asynchronous mutations): there a cohort is a row per version, a
 * replace inserts the next version and a delete a tombstone, and reads take each id's highest version (`versioned`).
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
import { dialectFor, SqlParams as Params, type SqlDialect } from './dialect/index.js';
import { cohortMembersSql } from './filters.js';

const COLUMNS = 'id, name, description, definition, created_at, updated_at';

/** Whether the store keeps cohorts as versions (ClickHouse) rather than rows updated in place (DuckDB). */
const versioned = (d: SqlDialect) => d.name === 'clickhouse';

/** The saved cohorts to read from: on ClickHouse each id's highest version (FINAL), without the deleted ones. */
function cohortsTable(d: SqlDialect): string {
  return versioned(d) ? `(SELECT ${COLUMNS} FROM cohorts FINAL WHERE deleted = 0) AS cohorts` : 'cohorts';
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
  const d = dialectFor(store.dialect);
  const r = await store.query(`SELECT ${COLUMNS} FROM ${cohortsTable(d)} ORDER BY created_at, id`);
  return r.rows.map(toCohort);
}

/** The cohort with that id, or undefined. */
export async function getCohort(store: Store, id: string): Promise<Cohort | undefined> {
  const p = new Params(dialectFor(store.dialect));
  const r = await store.query(`SELECT ${COLUMNS} FROM ${cohortsTable(p.dialect)} WHERE id = ${p.str(id)}`, p.values);
  return r.rows[0] ? toCohort(r.rows[0]) : undefined;
}

/** A row's values in COLUMNS' order, bound: `body` as stored (a missing description is NULL), or a tombstone's. */
function rowValues(p: Params, id: string, body: CohortBody | undefined, created: number, updated: number): string {
  const description = body?.description === undefined ? 'NULL' : p.str(body.description);
  // A tombstone (ClickHouse's delete) keeps no name or definition.
  const [name, definition] = body ? [body.name, JSON.stringify(body.definition)] : ['', ''];
  return `${p.str(id)}, ${p.str(name)}, ${description}, ${p.str(definition)}, ${p.int(created)}, ${p.int(updated)}`;
}

/** Saves a checked body; answers its id. */
export async function createCohort(store: Store, body: CohortBody, now = Date.now()): Promise<string> {
  const id = randomUUID();
  const p = new Params(dialectFor(store.dialect));
  const values = rowValues(p, id, body, now, now);
  const sql = versioned(p.dialect)
    ? `INSERT INTO cohorts (${COLUMNS}, deleted, version) SELECT ${values}, 0, 1`
    : `INSERT INTO cohorts (${COLUMNS}) VALUES (${values})`;
  await store.query(sql, p.values);
  return id;
}

/**
 * ClickHouse: writes the next version of a live cohort, `body` (a replace) or a tombstone (a delete, `body`
 * undefined); false when there is no such cohort. A read then a write, not one statement: two writers racing on one
 * cohort can both succeed, the later insert winning (DuckDB's UPDATE and DELETE are atomic).
 */
async function nextVersion(store: Store, id: string, body: CohortBody | undefined, now: number): Promise<boolean> {
  const read = new Params(dialectFor(store.dialect));
  const current = await store.query(
    `SELECT created_at, version FROM cohorts FINAL WHERE id = ${read.str(id)} AND deleted = 0`,
    read.values,
  );
  if (current.rows.length === 0) return false;
  const [created, version] = current.rows[0].map(Number);
  const p = new Params(read.dialect);
  const values = rowValues(p, id, body, created, now);
  const sql = `INSERT INTO cohorts (${COLUMNS}, deleted, version) SELECT ${values}, ${body ? 0 : 1}, ${p.int(version + 1)}`;
  await store.query(sql, p.values);
  return true;
}

/** Replaces a cohort's name, description and definition; false when there is no such cohort. */
export async function replaceCohort(store: Store, id: string, body: CohortBody, now = Date.now()): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (versioned(p.dialect)) return nextVersion(store, id, body, now);
  const r = await store.query(
    `UPDATE cohorts SET name = ${p.str(body.name)},
      description = ${body.description === undefined ? 'NULL' : p.str(body.description)},
      definition = ${p.str(JSON.stringify(body.definition))}, updated_at = ${p.int(now)}
      WHERE id = ${p.str(id)} RETURNING id`,
    p.values,
  );
  return r.rows.length > 0;
}

export async function deleteCohort(store: Store, id: string, now = Date.now()): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (versioned(p.dialect)) return nextVersion(store, id, undefined, now);
  const r = await store.query(`DELETE FROM cohorts WHERE id = ${p.str(id)} RETURNING id`, p.values);
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
  const windows = p.dialect.windowFunctions;
  const sql = `SELECT actor, n${windows ? ', count(*) OVER () AS total' : ''} FROM (${members}) AS members
    ORDER BY n DESC, actor LIMIT ${p.rows(page.limit)} OFFSET ${p.rows(page.offset)}`;
  const rows = (await store.query(sql, p.values)).rows;
  const count = windows && rows.length ? Number(rows[0][2]) : await countCohort(store, cohort, now);
  return { count, offset: page.offset, actors: rows.map(([id, n]) => ({ id: String(id), events: Number(n) })) };
}
