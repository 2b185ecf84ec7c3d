/**
 * Actors: the actors behind a trend's point, a stickiness or a lifecycle bar (POST
 * /api/insights/actors), a funnel step (who reached
 * it, or reached the step before it but not it) or a retention cell (the insights' own options), and
 * one actor's timeline — their events by session, with pages and the time between the first and
 * last event of each session.
 */
import { useQuery } from '@tanstack/react-query';
import type { ActorsBehind, FunnelsResult, RetentionResult } from '@telemetry/query';
import { api } from '../api';
import { fmt, useApi, useInsight } from '../insight';
import { href } from '../router';
import { Show } from '../states';

interface StoredEvent {
  syncts: number;
  mid: string;
  event: { eid: string; ets: number; context?: { sid?: string }; edata?: Record<string, unknown> };
}

function Timeline({ actor }: { actor: string }) {
  const events = useApi<{ items: StoredEvent[] }>(`/api/events?${new URLSearchParams({ actor, limit: '500' })}`);
  return (
    <Show q={events} what={`events of ${actor}`}>
      {(page) => {
        const sessions = new Map<string, StoredEvent[]>();
        for (const e of [...page.items].reverse()) {
          const sid = e.event.context?.sid ?? '(no session)';
          sessions.set(sid, [...(sessions.get(sid) ?? []), e]);
        }
        if (!page.items.length) return <p className="state">No events stored for this actor.</p>;
        return (
          <div data-testid="timeline">
            <p>
              {page.items.length} latest events in {sessions.size} sessions.
            </p>
            {[...sessions].map(([sid, list]) => {
              const seconds = Math.round((list[list.length - 1].event.ets - list[0].event.ets) / 1000);
              return (
                <section key={sid} className="card">
                  <h2>
                    Session {sid} · {new Date(list[0].event.ets).toISOString().slice(0, 16).replace('T', ' ')} UTC ·{' '}
                    {seconds} s
                  </h2>
                  <ol className="timeline">
                    {list.map((e) => (
                      <li key={e.mid}>
                        <time>{new Date(e.event.ets).toISOString().slice(11, 19)}</time> <strong>{e.event.eid}</strong>{' '}
                        {String(e.event.edata?.pageid ?? e.event.edata?.id ?? e.event.edata?.type ?? '')}
                      </li>
                    ))}
                  </ol>
                </section>
              );
            })}
          </div>
        );
      }}
    </Show>
  );
}

/**
 * The entities behind a funnel step or a retention cell: the insight asked again with its own
 * drill-down option (funnels `dropOff`/`stepActors`, retention `actors`), at most 1000 listed.
 */
function FromInsight({ params }: { params: URLSearchParams }) {
  const query = JSON.parse(params.get('q') ?? '{}') as Record<string, unknown>;
  const n = (k: string) => Number(params.get(k) ?? 0);
  const limit = 1000;
  let ask: { kind: 'funnels' | 'retention'; query: Record<string, unknown>; what: string };
  if (params.get('kind') === 'retention')
    ask = {
      kind: 'retention',
      query: { ...query, actors: { cohort: n('cohort'), period: n('period'), limit } },
      what:
        n('period') === 0
          ? `started in cohort ${n('cohort') + 1}`
          : `of cohort ${n('cohort') + 1} came back in period ${n('period')}`,
    };
  else if (params.get('reached'))
    ask = {
      kind: 'funnels',
      query: { ...query, stepActors: { step: n('step'), limit } },
      what: `reached step ${n('step')}`,
    };
  else
    ask = {
      kind: 'funnels',
      query: { ...query, dropOff: { step: n('step'), limit } },
      what: `reached step ${n('step') - 1} but not step ${n('step')}`,
    };
  const answer = useInsight<FunnelsResult & RetentionResult>(ask.kind, ask.query);
  return (
    <Show q={answer} what="the actors">
      {(a) => {
        const ids =
          (ask.kind === 'retention' ? a.actors : params.get('reached') ? a.stepActors : a.dropOff)?.entities ?? [];
        return (
          <>
            <p>
              <span data-testid="actor-count">{fmt(ids.length)}</span> {ask.what}
              {ids.length === limit ? ` (the first ${limit} by id)` : ''}.
            </p>
            {ids.length === 0 ? <p className="state">No actors behind this figure.</p> : <ActorList ids={ids} />}
          </>
        );
      }}
    </Show>
  );
}

function ActorList({ ids }: { ids: string[] }) {
  return (
    <ul data-testid="actor-list" className="columns">
      {ids.map((id) => (
        <li key={id}>
          <a href={href('actors', { actor: id })}>{id}</a>
        </li>
      ))}
    </ul>
  );
}

/** Kinds whose figures' actors come from POST /api/insights/actors (the others' from their own options). */
const ASKED = ['trends', 'stickiness', 'lifecycle'];

/**
 * The actors behind a trend's point, a stickiness bar or a lifecycle bar (POST /api/insights/actors),
 * as the page's params name it.
 */
function BehindFigure({ params }: { params: URLSearchParams }) {
  const n = (k: string) => Number(params.get(k) ?? 0);
  const kind = params.get('kind') as string;
  const bv = params.get('breakdownValue');
  const at =
    kind === 'stickiness'
      ? {
          fields: { series: n('series'), intervals: n('intervals') },
          what: `did series ${n('series') + 1} in exactly ${n('intervals')} intervals`,
        }
      : kind === 'lifecycle'
        ? {
            fields: { status: params.get('status'), bucket: n('bucket') },
            what: `were ${params.get('status')} in this interval`,
          }
        : {
            fields: { series: n('series'), bucket: n('bucket') },
            what: `did series ${n('series') + 1} in this interval`,
          };
  // A cohort's line or answer (query breakdownCohorts): its breakdownValue, for every kind.
  const body = {
    kind,
    query: JSON.parse(params.get('q') ?? '{}'),
    ...(bv !== null ? { breakdownValue: JSON.parse(bv) } : {}),
    ...at.fields,
  };
  const answer = useQuery({
    queryKey: ['actors-behind', body],
    queryFn: () => api<ActorsBehind>('/api/insights/actors', { body }),
  });
  return (
    <Show q={answer} what="the actors">
      {(a) => (
        <>
          <p>
            <span data-testid="actor-count">{fmt(a.count)}</span> actors {at.what} ({a.actors.length} shown, most events
            first).
          </p>
          {a.count === 0 ? (
            <p className="state">No actors behind this figure.</p>
          ) : (
            <ActorList ids={a.actors.map((x) => x.id)} />
          )}
        </>
      )}
    </Show>
  );
}

export default function Actors({ params }: { params: URLSearchParams }) {
  const actor = params.get('actor');
  const q = params.get('q');
  return (
    <div>
      <h1>{actor ? `Actor ${actor}` : 'Actors'}</h1>
      {actor ? (
        <Timeline actor={actor} />
      ) : q && ASKED.includes(params.get('kind') ?? '') ? (
        <BehindFigure params={params} />
      ) : q ? (
        <FromInsight params={params} />
      ) : (
        <p className="state">
          Open a trend, a funnel, a retention table, stickiness or lifecycle in Insights and pick a point, a step, a
          cell or a bar to see its actors.
        </p>
      )}
    </div>
  );
}
