/**
 * Dashboards and the insights saved on them (tables `dashboards`, `saved_insights`, migration 5):
 * list, create, rename, delete, and add / rename / remove an insight, and arrange them (`layout`,
 * migration 9). Values are bound;
 * queries are stored as the JSON the caller checked with @telemetry/query.
 */
import { randomUUID } from 'node:crypto';
import type { Dashboard, InsightKind, TileLayout } from '@telemetry/query';
import type { Store } from '../store/store.js';

export async function listDashboards(store: Store): Promise<Dashboard[]> {
  const boards = await store.query('SELECT id, name, created_at FROM dashboards ORDER BY created_at, id');
  const insights = await store.query(
    'SELECT id, dashboard_id, name, kind, query, layout FROM saved_insights ORDER BY dashboard_id, position, created_at, id',
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

export async function createDashboard(store: Store, name: string): Promise<string> {
  const id = randomUUID();
  await store.query('INSERT INTO dashboards VALUES ($id, $name, $now)', { id, name, now: Date.now() });
  return id;
}

/** True when a dashboard had that id. */
export async function renameDashboard(store: Store, id: string, name: string): Promise<boolean> {
  const r = await store.query('UPDATE dashboards SET name = $name WHERE id = $id RETURNING id', { id, name });
  return r.rows.length > 0;
}

export async function deleteDashboard(store: Store, id: string): Promise<boolean> {
  await store.query('DELETE FROM saved_insights WHERE dashboard_id = $id', { id });
  const r = await store.query('DELETE FROM dashboards WHERE id = $id RETURNING id', { id });
  return r.rows.length > 0;
}

/** Adds an insight at the end of a dashboard; undefined when there is no such dashboard. */
export async function addInsight(
  store: Store,
  dashboardId: string,
  insight: { name: string; kind: InsightKind; query: unknown },
): Promise<string | undefined> {
  const exists = await store.query('SELECT count(*) FROM dashboards WHERE id = $id', { id: dashboardId });
  if (Number(exists.rows[0][0]) === 0) return undefined;
  const id = randomUUID();
  await store.query(
    `INSERT INTO saved_insights (id, dashboard_id, name, kind, query, position, created_at) SELECT $id, $board, $name, $kind, $query,
       (SELECT coalesce(max(position), -1) + 1 FROM saved_insights WHERE dashboard_id = $board), $now`,
    {
      id,
      board: dashboardId,
      name: insight.name,
      kind: insight.kind,
      query: JSON.stringify(insight.query),
      now: Date.now(),
    },
  );
  return id;
}

export async function renameInsight(store: Store, dashboardId: string, id: string, name: string): Promise<boolean> {
  const r = await store.query(
    'UPDATE saved_insights SET name = $name WHERE id = $id AND dashboard_id = $board RETURNING id',
    { id, board: dashboardId, name },
  );
  return r.rows.length > 0;
}

export async function removeInsight(store: Store, dashboardId: string, id: string): Promise<boolean> {
  const r = await store.query('DELETE FROM saved_insights WHERE id = $id AND dashboard_id = $board RETURNING id', {
    id,
    board: dashboardId,
  });
  return r.rows.length > 0;
}

/**
 * Places a dashboard's tiles; a tile not named keeps its place. The reading order (row, then
 * column) becomes `position`, so a list of the insights follows the grid. False when there is no
 * such dashboard; an id that is not one of its insights is ignored.
 */
export async function arrangeDashboard(
  store: Store,
  dashboardId: string,
  tiles: (TileLayout & { id: string })[],
): Promise<boolean> {
  const exists = await store.query('SELECT count(*) FROM dashboards WHERE id = $id', { id: dashboardId });
  if (Number(exists.rows[0][0]) === 0) return false;
  const ordered = [...tiles].sort((a, b) => a.y - b.y || a.x - b.x);
  for (const [position, t] of ordered.entries())
    await store.query(
      'UPDATE saved_insights SET layout = $layout, position = $position WHERE id = $id AND dashboard_id = $board',
      { id: t.id, board: dashboardId, position, layout: JSON.stringify({ x: t.x, y: t.y, w: t.w, h: t.h }) },
    );
  return true;
}
