/**
 * Actors: the actors behind a funnel step (those who reached the step before it but not it,
 * the funnel's `dropOff`), and one actor's timeline — their events by session, with pages and
 * the time between the first and last event of each session.
 */
import type { FunnelsResult } from '@telemetry/query';
import { useApi, useInsight } from '../insight';
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

function DropOff({ query, step }: { query: Record<string, unknown>; step: number }) {
  const answer = useInsight<FunnelsResult>('funnels', { ...query, dropOff: { step, limit: 100 } });
  return (
    <Show q={answer} what="the actors">
      {(a) => (
        <>
          <p>
            Reached step {step - 1} but not step {step} ({a.dropOff?.entities.length ?? 0} shown, at most 100):
          </p>
          <ul data-testid="actor-list" className="columns">
            {a.dropOff?.entities.map((id) => (
              <li key={id}>
                <a href={href('actors', { actor: id })}>{id}</a>
              </li>
            ))}
          </ul>
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
      ) : q ? (
        <DropOff query={JSON.parse(q)} step={Number(params.get('step') ?? 2)} />
      ) : (
        <p className="state">Open a funnel in Insights and pick a step to see its actors.</p>
      )}
    </div>
  );
}
