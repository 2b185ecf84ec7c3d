/**
 * Saved dashboards (persisted by the server in the store): create, rename, delete; each insight is
 * a tile with its chart, arranged on a 12-column grid by dragging its handle and resizing its
 * corner (react-grid-layout); the arrangement is saved with PUT /api/dashboards/:id/layout. On a
 * phone-sized screen the tiles stack in the saved reading order.
 */

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Dashboard, InsightKind, TileLayout } from '@telemetry/query';
import { useState } from 'react';
import ReactGridLayout, { type Layout, useContainerWidth } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { api } from '../api';
import { insightHref } from '../router';
import { ErrorPanel, Show } from '../states';
import { InsightChart } from './Insights';

const useDashboards = () =>
  useQuery({ queryKey: ['dashboards'], queryFn: () => api<{ dashboards: Dashboard[] }>('/api/dashboards') });

function useChange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (x: { path: string; method: string; body?: unknown }) =>
      api(x.path, { method: x.method, body: x.body }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['dashboards'] }),
  });
}

/** "Save to dashboard" under an insight: pick a dashboard or name a new one. */
export function SaveToDashboard({ kind, query }: { kind: InsightKind; query: unknown }) {
  const boards = useDashboards();
  const change = useChange();
  const [board, setBoard] = useState('');
  const [name, setName] = useState('');
  const [saved, setSaved] = useState(false);
  // One mutation for both requests, so a refusal of either (a 400 with its reason) is shown, as a save's.
  const save = useMutation({
    mutationFn: async () => {
      let id = board;
      if (!id) {
        id = (await api<{ id: string }>('/api/dashboards', { body: { name: 'My dashboard' } })).id;
        // The next save goes to the board just made, not to yet another "My dashboard".
        setBoard(id);
      }
      await change.mutateAsync({
        path: `/api/dashboards/${id}/insights`,
        method: 'POST',
        body: { name: name || kind, kind, query },
      });
    },
    onMutate: () => setSaved(false),
    onSuccess: () => setSaved(true),
  });
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <label>
        Insight name <input value={name} placeholder={kind} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Dashboard{' '}
        <select value={board} onChange={(e) => setBoard(e.target.value)}>
          <option value="">New: “My dashboard”</option>
          {boards.data?.dashboards.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Save to dashboard</button>
      {saved && <span role="status">Saved.</span>}
      {save.error && <ErrorPanel error={save.error} failed="save this insight" />}
    </form>
  );
}

const ROW_PX = 80;
/** Where a tile without a saved place goes: two per row, in saved order. */
const placeOf = (i: number, saved?: TileLayout): TileLayout =>
  saved ?? { x: (i % 2) * 6, y: Math.floor(i / 2) * 4, w: 6, h: 4 };

type Change = ReturnType<typeof useChange>;

function Tile({
  d,
  insight,
  change,
  height,
}: {
  d: Dashboard;
  insight: Dashboard['insights'][number];
  change: Change;
  height: number;
}) {
  return (
    <section className="card tile" data-testid="tile" aria-label={insight.name}>
      <div className="tile-head">
        <span className="handle" title="Drag to move" aria-hidden="true">
          ⠿
        </span>
        <a href={insightHref(insight.kind, insight.query)}>{insight.name}</a> <small>({insight.kind})</small>
        <button
          type="button"
          className="link"
          onClick={() => {
            const next = prompt('New name', insight.name);
            if (next)
              change.mutate({
                path: `/api/dashboards/${d.id}/insights/${insight.id}`,
                method: 'PATCH',
                body: { name: next },
              });
          }}
        >
          rename
        </button>
        <button
          type="button"
          className="link"
          onClick={() => change.mutate({ path: `/api/dashboards/${d.id}/insights/${insight.id}`, method: 'DELETE' })}
        >
          remove
        </button>
      </div>
      <InsightChart kind={insight.kind} query={insight.query} height={height} />
    </section>
  );
}

/** One dashboard's tiles on the grid (or stacked, on a narrow screen). */
function Board({ d, change }: { d: Dashboard; change: Change }) {
  const { width, containerRef, mounted } = useContainerWidth();
  const layout: Layout = d.insights.map((i, n) => ({ i: i.id, ...placeOf(n, i.layout) }));
  const narrow = width < 640;
  const save = (next: Layout) =>
    change.mutate({
      path: `/api/dashboards/${d.id}/layout`,
      method: 'PUT',
      body: { tiles: next.map(({ i, x, y, w, h }) => ({ id: i, x, y, w, h })) },
    });
  return (
    <div ref={containerRef} data-testid="board">
      {mounted && narrow && d.insights.map((i) => <Tile key={i.id} d={d} insight={i} change={change} height={220} />)}
      {mounted && !narrow && (
        <ReactGridLayout
          width={width}
          layout={layout}
          gridConfig={{ cols: 12, rowHeight: ROW_PX, margin: [12, 12] }}
          dragConfig={{ enabled: true, handle: '.handle' }}
          resizeConfig={{ enabled: true, handles: ['se'] }}
          onDragStop={(next) => save(next)}
          onResizeStop={(next) => save(next)}
        >
          {d.insights.map((i, n) => (
            <div key={i.id}>
              <Tile d={d} insight={i} change={change} height={placeOf(n, i.layout).h * (ROW_PX + 12) - 70} />
            </div>
          ))}
        </ReactGridLayout>
      )}
    </div>
  );
}

export default function Dashboards(_: { params: URLSearchParams }) {
  const boards = useDashboards();
  const change = useChange();
  const [name, setName] = useState('');
  return (
    <div>
      <h1>Dashboards</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          // The name is cleared once the dashboard is made: refused (a 400 says why), it stays to be corrected.
          if (name)
            change.mutate(
              { path: '/api/dashboards', method: 'POST', body: { name } },
              { onSuccess: () => setName('') },
            );
        }}
      >
        <label>
          New dashboard <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">Create</button>
      </form>
      {change.error && <ErrorPanel error={change.error} failed="save the change" />}
      <Show q={boards} what="dashboards">
        {(b) =>
          b.dashboards.length === 0 ? (
            <p className="state">No dashboards yet. Build an insight and press “Save to dashboard”.</p>
          ) : (
            b.dashboards.map((d) => (
              <section key={d.id} className="card" data-testid="dashboard">
                <h2>{d.name}</h2>
                <div className="toolbar">
                  <button
                    type="button"
                    onClick={() => {
                      const next = prompt('New name', d.name);
                      if (next)
                        change.mutate({ path: `/api/dashboards/${d.id}`, method: 'PATCH', body: { name: next } });
                    }}
                  >
                    Rename
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      confirm(`Delete “${d.name}”?`) &&
                      change.mutate({ path: `/api/dashboards/${d.id}`, method: 'DELETE' })
                    }
                  >
                    Delete
                  </button>
                </div>
                {d.insights.length === 0 ? (
                  <p className="state">No insights on this dashboard yet.</p>
                ) : (
                  <Board d={d} change={change} />
                )}
              </section>
            ))
          )
        }
      </Show>
    </div>
  );
}
