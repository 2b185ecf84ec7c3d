/**
 * Cohorts: the saved sets of actors (/api/cohorts), each with how many actors are in it now; a simple form that saves
 * a cohort of one criterion (did or did not do an event, at least N times, in the last days; or a property of their
 * events such as a School); one cohort's actors a page at a time, each linked to the actor's timeline. A cohort is
 * used in Insights through the builder's "In cohort" and "Cohort breakdown" pickers.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { Cohort, CohortActors, CohortBody } from '@telemetry/query';
import { type FormEvent, useState } from 'react';
import { api } from '../api';
import { fmt, useApi } from '../insight';
import { href } from '../router';
import { ErrorPanel, Show } from '../states';

function useChange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (x: { path: string; method: string; body?: unknown }) =>
      api<{ id?: string }>(x.path, { method: x.method, body: x.body }),
    // The list, each count and each page of actors (useApi keys a read by ['api', path]).
    onSuccess: () =>
      client.invalidateQueries({ predicate: (q) => String(q.queryKey[1] ?? '').startsWith('/api/cohorts') }),
  });
}

/** How many actors are in the cohort now (GET /api/cohorts/:id). */
function Count({ id }: { id: string }) {
  const one = useApi<Cohort>(`/api/cohorts/${id}`);
  if (one.error) return <span className="state error">?</span>;
  return <span data-testid="cohort-count">{one.data ? fmt(one.data.count ?? 0) : '…'}</span>;
}

const PAGE = 50;

function Members({ cohort }: { cohort: Cohort }) {
  const [offset, setOffset] = useState(0);
  const page = useApi<CohortActors>(`/api/cohorts/${cohort.id}/actors?limit=${PAGE}&offset=${offset}`);
  return (
    <section className="card" aria-label={`Actors in ${cohort.name}`}>
      <h2>Actors in {cohort.name}</h2>
      <Show q={page} what="the actors">
        {(p) => (
          <>
            <p>
              <span data-testid="actor-count">{fmt(p.count)}</span> actors; {p.offset + 1}–{p.offset + p.actors.length}{' '}
              shown, most events first.
            </p>
            {p.actors.length === 0 ? (
              <p className="state">No actor is in this cohort now.</p>
            ) : (
              <ul data-testid="actor-list" className="columns">
                {p.actors.map((a) => (
                  <li key={a.id}>
                    <a href={href('actors', { actor: a.id })}>{a.id}</a> ({fmt(a.events)} events)
                  </li>
                ))}
              </ul>
            )}
            <div className="toolbar">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                Previous
              </button>
              <button type="button" disabled={offset + PAGE >= p.count} onClick={() => setOffset(offset + PAGE)}>
                Next
              </button>
            </div>
          </>
        )}
      </Show>
    </section>
  );
}

type Kind = 'did' | 'did_not' | 'property';

/** The form's fields as one cohort definition of one criterion. */
function bodyOf(f: Record<string, string>): CohortBody {
  const period = f.days ? { period: { from: `-${f.days}d` } } : {};
  const criterion =
    f.kind === 'property'
      ? { type: 'property' as const, property: f.property, operator: 'eq' as const, value: f.value, ...period }
      : {
          type: 'behaviour' as const,
          eid: f.eid,
          did: f.kind === 'did',
          ...(f.kind === 'did' && Number(f.times) > 1 ? { atLeast: Number(f.times) } : {}),
          ...period,
        };
  return { name: f.name, definition: { criteria: [criterion] } };
}

function NewCohort() {
  const change = useChange();
  const [f, setF] = useState<Record<string, string>>({
    name: '',
    kind: 'did',
    eid: 'INTERACT',
    times: '1',
    days: '30',
    property: 'cdata.School',
    value: '',
  });
  const field = (key: string, label: string, props: Record<string, unknown> = {}) => (
    <span className="field">
      <label htmlFor={`cohort-${key}`}>{label}</label>{' '}
      <input id={`cohort-${key}`} value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} {...props} />
    </span>
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    change.mutate({ path: '/api/cohorts', method: 'POST', body: bodyOf(f) });
  };
  return (
    <form className="card builder" aria-label="New cohort" onSubmit={submit}>
      <h2>New cohort</h2>
      <div className="toolbar">
        {field('name', 'Name', { required: true })}
        <span className="field">
          <label htmlFor="cohort-kind">Actors who</label>{' '}
          <select id="cohort-kind" value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value as Kind })}>
            <option value="did">did</option>
            <option value="did_not">did not do</option>
            <option value="property">have a property</option>
          </select>
        </span>
        {f.kind === 'property' ? (
          <>
            {field('property', 'Property')}
            {field('value', 'equal to', { required: true })}
          </>
        ) : (
          <>
            {field('eid', 'Event')}
            {f.kind === 'did' && field('times', 'at least (times)', { type: 'number', min: 1 })}
          </>
        )}
        {field('days', 'in the last (days; empty: ever)', { type: 'number', min: 1 })}
      </div>
      <button type="submit" disabled={change.isPending}>
        Save cohort
      </button>
      {change.error && <ErrorPanel error={change.error} failed="save this cohort" />}
      {change.isSuccess && <p className="state">Saved.</p>}
    </form>
  );
}

export default function Cohorts({ params }: { params: URLSearchParams }) {
  const list = useApi<{ cohorts: Cohort[] }>('/api/cohorts');
  const change = useChange();
  const open = params.get('cohort');
  return (
    <>
      <h1>Cohorts</h1>
      <p>
        Saved sets of actors, counted again at every use. Use one in Insights: the builder's “In cohort” filter and
        “Cohort breakdown”.
      </p>
      <Show q={list} what="the cohorts">
        {({ cohorts }) =>
          cohorts.length === 0 ? (
            <p className="state">No cohort saved yet.</p>
          ) : (
            <table data-testid="cohorts">
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col">Actors now</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {cohorts.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <a href={href('cohorts', { cohort: c.id })}>{c.name}</a>
                    </td>
                    <td>
                      <Count id={c.id} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        onClick={() => change.mutate({ path: `/api/cohorts/${c.id}`, method: 'DELETE' })}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
      {list.data?.cohorts
        .filter((c) => c.id === open)
        .map((c) => (
          <Members key={c.id} cohort={c} />
        ))}
      <NewCohort />
    </>
  );
}
