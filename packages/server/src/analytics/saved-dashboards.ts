/**
 * Dashboards and the insights saved on them (tables `dashboards`, `saved_insights`: DuckDB migrations 5 and 9,
 * ClickHouse migration 5): list, create, rename, delete, and add / rename / remove an insight, and arrange them
 * (`layout`). Every value is bound; queries are stored as the JSON the caller checked with @telemetry/query.
 *
 * ClickHouse 18.16 has no UPDATE or DELETE (only asynchronous mutations): there, as for saved cohorts (cohorts.ts), a
 * dashboard or an insight is a row per version; a change inserts the next version, copied from the current one by
 * the insert itself (`nextVersion`), a delete a tombstone, and reads take each id's highest version (`live`).
 */
import { randomUUID } from 'node:crypto';
import type { Dashboard, InsightKind, TileLayout } from '@telemetry/query';
import type { Store } from '../store/store.js';
import { dialectFor, SqlParams as Params, type SqlDialect } from './dialect/index.js';

const BOARD_COLUMNS = ['id', 'name', 'created_at'] as const;
const INSIGHT_COLUMNS = ['id', 'dashboard_id', 'name', 'kind', 'query', 'position', 'created_at', 'layout'] as const;
const COLUMNS = { dashboards: BOARD_COLUMNS, saved_insights: INSIGHT_COLUMNS } as const;
type Table = keyof typeof COLUMNS;

/** What a deleted insight keeps (ClickHouse): its ids and place, not its name or query. */
const INSIGHT_TOMBSTONE = { name: "''", kind: "''", query: "''", layout: 'NULL' } as const;

/** Whether the store keeps dashboards as versions (ClickHouse) rather than rows updated in place (DuckDB). */
const versioned = (d: SqlDialect) => d.name === 'clickhouse';

/** The rows of `table` to read, under its own name: on ClickHouse each id's highest version, without tombstones. */
function live(d: SqlDialect, table: Table): string {
  return versioned(d)
    ? `(SELECT ${COLUMNS[table].join(', ')} FROM ${table} FINAL WHERE deleted = 0) AS ${table}`
    : table;
}

/**
 * ClickHouse: inserts the next version of each live row of `table` that `where` selects, its columns copied but for
 * `changes` (SQL expressions, bound values, by column), a tombstone when `deleted`. Copied by one INSERT … SELECT, so
 * a change lands on the version current when the server runs it: two changes to one row (a rename and a layout) both
 * stay unless their inserts run at the same moment, when both write one version and the later part wins whole.
 */
async function nextVersion<T extends Table>(
  store: Store,
  p: Params,
  table: T,
  changes: Partial<Record<(typeof COLUMNS)[T][number], string>>,
  where: string,
  deleted = false,
): Promise<void> {
  const columns: readonly (typeof COLUMNS)[T][number][] = COLUMNS[table];
  const values = columns.map((c) => changes[c] ?? c);
  await store.query(
    `INSERT INTO ${table} (${columns.join(', ')}, deleted, version)
      SELECT ${values.join(', ')}, ${deleted ? 1 : 0}, version + 1 FROM ${table} FINAL WHERE deleted = 0 AND ${where}`,
    p.values,
  );
}

/** How many live rows of `table` `where` selects (bound in `p`). */
async function count(store: Store, p: Params, table: Table, where: string): Promise<number> {
  const r = await store.query(`SELECT count(*) FROM ${live(p.dialect, table)} WHERE ${where}`, p.values);
  return Number(r.rows[0][0]);
}

/** Whether a dashboard with that id exists. */
function boardExists(store: Store, id: string): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  return count(store, p, 'dashboards', `id = ${p.str(id)}`).then((n) => n > 0);
}

/** Every dashboard, oldest first (then by id), each with its insights in `position` order (then age, then id). */
export async function listDashboards(store: Store): Promise<Dashboard[]> {
  const d = dialectFor(store.dialect);
  const boards = await store.query(`SELECT id, name, created_at FROM ${live(d, 'dashboards')} ORDER BY created_at, id`);
  const insights = await store.query(
    `SELECT id, dashboard_id, name, kind, query, layout FROM ${live(d, 'saved_insights')}
      ORDER BY dashboard_id, position, created_at, id`,
  );
  const byBoard = new Map<string, Dashboard['insights']>();
  for (const [id, board, name, kind, query, layout] of insights.rows) {
    const list = byBoard.get(String(board)) ?? [];
    list.push({
      id: String(id),
      name: String(name),
      kind: String(kind) as InsightKind,
      query: JSON.parse(String(query)),
      ...(layout === null || layout === undefined ? {} : { layout: JSON.parse(String(layout)) as TileLayout }),
    });
    byBoard.set(String(board), list);
  }
  return boards.rows.map(([id, name, created]) => ({
    id: String(id),
    name: String(name),
    createdAt: Number(created),
    insights: byBoard.get(String(id)) ?? [],
  }));
}

/** Saves an empty dashboard created at `now` (epoch ms); answers its id (a random UUID). */
export async function createDashboard(store: Store, name: string, now = Date.now()): Promise<string> {
  const id = randomUUID();
  const p = new Params(dialectFor(store.dialect));
  const values = `${p.str(id)}, ${p.str(name)}, ${p.int(now)}`;
  const sql = versioned(p.dialect)
    ? `INSERT INTO dashboards (${BOARD_COLUMNS.join(', ')}, deleted, version) SELECT ${values}, 0, 1`
    : `INSERT INTO dashboards (${BOARD_COLUMNS.join(', ')}) VALUES (${values})`;
  await store.query(sql, p.values);
  return id;
}

/** True when a dashboard had that id. */
export async function renameDashboard(store: Store, id: string, name: string): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (!versioned(p.dialect)) {
    const r = await store.query(
      `UPDATE dashboards SET name = ${p.str(name)} WHERE id = ${p.str(id)} RETURNING id`,
      p.values,
    );
    return r.rows.length > 0;
  }
  if (!(await boardExists(store, id))) return false;
  await nextVersion(store, p, 'dashboards', { name: p.str(name) }, `id = ${p.str(id)}`);
  return true;
}

/** Deletes a dashboard and its insights; true when a dashboard had that id. */
export async function deleteDashboard(store: Store, id: string): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (!versioned(p.dialect)) {
    const board = p.str(id);
    await store.query(`DELETE FROM saved_insights WHERE dashboard_id = ${board}`, p.values);
    const r = await store.query(`DELETE FROM dashboards WHERE id = ${board} RETURNING id`, p.values);
    return r.rows.length > 0;
  }
  if (!(await boardExists(store, id))) return false;
  // Insights first, as on DuckDB: a delete cut short leaves the dashboard, never its insights without it.
  const board = p.str(id);
  await nextVersion(store, p, 'saved_insights', INSIGHT_TOMBSTONE, `dashboard_id = ${board}`, true);
  await nextVersion(store, p, 'dashboards', { name: "''" }, `id = ${board}`, true);
  return true;
}

/**
 * Adds an insight at the end of a dashboard (one past the highest `position`, 0 on an empty one), created at `now`
 * (epoch ms); answers its id (a random UUID), or undefined when there is no such dashboard.
 */
export async function addInsight(
  store: Store,
  dashboardId: string,
  insight: { name: string; kind: InsightKind; query: unknown },
  now = Date.now(),
): Promise<string | undefined> {
  if (!(await boardExists(store, dashboardId))) return undefined;
  const id = randomUUID();
  const p = new Params(dialectFor(store.dialect));
  const board = p.str(dashboardId);
  // count(*) rather than coalesce(max(…)): ClickHouse's max over no rows is 0, not NULL.
  const position = `(SELECT CASE WHEN count(*) = 0 THEN 0 ELSE max(position) + 1 END
    FROM ${live(p.dialect, 'saved_insights')} WHERE dashboard_id = ${board})`;
  const values = [p.str(id), board, p.str(insight.name), p.str(insight.kind), p.str(JSON.stringify(insight.query))];
  const [columns, version] = versioned(p.dialect) ? [', deleted, version', ', 0, 1'] : ['', ''];
  await store.query(
    `INSERT INTO saved_insights (id, dashboard_id, name, kind, query, position, created_at${columns})
      SELECT ${values.join(', ')}, ${position}, ${p.int(now)}${version}`,
    p.values,
  );
  return id;
}

/** The SQL selecting insight `id` of dashboard `dashboardId`, bound in `p`. */
const insightWhere = (p: Params, dashboardId: string, id: string) =>
  `id = ${p.str(id)} AND dashboard_id = ${p.str(dashboardId)}`;

/** True when the dashboard had an insight with that id. */
export async function renameInsight(store: Store, dashboardId: string, id: string, name: string): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (!versioned(p.dialect)) {
    const sql = `UPDATE saved_insights SET name = ${p.str(name)} WHERE ${insightWhere(p, dashboardId, id)} RETURNING id`;
    return (await store.query(sql, p.values)).rows.length > 0;
  }
  const where = insightWhere(p, dashboardId, id);
  if ((await count(store, p, 'saved_insights', where)) === 0) return false;
  await nextVersion(store, p, 'saved_insights', { name: p.str(name) }, where);
  return true;
}

/** True when the dashboard had an insight with that id. */
export async function removeInsight(store: Store, dashboardId: string, id: string): Promise<boolean> {
  const p = new Params(dialectFor(store.dialect));
  if (!versioned(p.dialect)) {
    const sql = `DELETE FROM saved_insights WHERE ${insightWhere(p, dashboardId, id)} RETURNING id`;
    return (await store.query(sql, p.values)).rows.length > 0;
  }
  const where = insightWhere(p, dashboardId, id);
  if ((await count(store, p, 'saved_insights', where)) === 0) return false;
  await nextVersion(store, p, 'saved_insights', INSIGHT_TOMBSTONE, where, true);
  return true;
}

/**
 * The ids of dashboard `dashboardId`'s insights (in no particular order), or undefined when there is no such
 * dashboard: what the layout route checks its tiles against, in one statement (it read every dashboard before).
 */
export async function boardInsightIds(store: Store, dashboardId: string): Promise<string[] | undefined> {
  const p = new Params(dialectFor(store.dialect));
  const r = await store.query(
    `SELECT 'board' AS what, id FROM ${live(p.dialect, 'dashboards')} WHERE id = ${p.str(dashboardId)}
      UNION ALL SELECT 'insight' AS what, id FROM ${live(p.dialect, 'saved_insights')}
        WHERE dashboard_id = ${p.str(dashboardId)}`,
    p.values,
  );
  if (!r.rows.some(([what]) => what === 'board')) return undefined;
  return r.rows.filter(([what]) => what === 'insight').map(([, id]) => String(id));
}

/**
 * Places a dashboard's tiles; a tile not named keeps its place. The reading order (row, then
 * column) becomes `position`, so a list of the insights follows the grid. False when there is no
 * such dashboard; an id that is not one of its insights is ignored (the layout route refuses it). One statement per tile, in
 * reading order (an id named twice takes its later place); not one transaction on either engine.
 */
export async function arrangeDashboard(
  store: Store,
  dashboardId: string,
  tiles: (TileLayout & { id: string })[],
): Promise<boolean> {
  if (!(await boardExists(store, dashboardId))) return false;
  await placeTiles(store, dashboardId, tiles);
  return true;
}

/**
 * arrangeDashboard's writes, for a caller that has just read the board (the layout route, by boardInsightIds): an
 * insight the board no longer has by then changes nothing.
 */
export async function placeTiles(
  store: Store,
  dashboardId: string,
  tiles: (TileLayout & { id: string })[],
): Promise<void> {
  const ordered = [...tiles].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const [index, t] of ordered.entries()) {
    const p = new Params(dialectFor(store.dialect));
    const [position, layout] = [p.int(index), p.str(JSON.stringify({ x: t.x, y: t.y, w: t.w, h: t.h }))];
    if (versioned(p.dialect))
      await nextVersion(store, p, 'saved_insights', { position, layout }, insightWhere(p, dashboardId, t.id));
    else
      await store.query(
        `UPDATE saved_insights SET layout = ${layout}, position = ${position} WHERE ${insightWhere(p, dashboardId, t.id)}`,
        p.values,
      );
  }
}
