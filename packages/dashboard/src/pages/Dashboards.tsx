/** Saved dashboards (persisted by the server in the store): create, rename, delete; each insight opens in the builder. */

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Dashboard, InsightKind } from '@telemetry/query';
import { useState } from 'react';
import { api } from '../api';
import { insightHref } from '../router';
import { ErrorPanel, Show } from '../states';

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
  const save = async () => {
    let id = board;
    if (!id) id = (await api<{ id: string }>('/api/dashboards', { body: { name: 'My dashboard' } })).id;
    await change.mutateAsync({
      path: `/api/dashboards/${id}/insights`,
      method: 'POST',
      body: { name: name || kind, kind, query },
    });
    setSaved(true);
  };
  return (
    <form
      className="toolbar"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
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
      {change.error && <ErrorPanel error={change.error} />}
    </form>
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
          if (name) change.mutate({ path: '/api/dashboards', method: 'POST', body: { name } });
          setName('');
        }}
      >
        <label>
          New dashboard <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit">Create</button>
      </form>
      {change.error && <ErrorPanel error={change.error} />}
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
                <ul>
                  {d.insights.map((i) => (
                    <li key={i.id}>
                      <a href={insightHref(i.kind, i.query)}>{i.name}</a> ({i.kind}){' '}
                      <button
                        type="button"
                        className="link"
                        onClick={() =>
                          change.mutate({ path: `/api/dashboards/${d.id}/insights/${i.id}`, method: 'DELETE' })
                        }
                      >
                        remove
                      </button>
                    </li>
                  ))}
                </ul>
              </section>
            ))
          )
        }
      </Show>
    </div>
  );
}
