/**
 * Home: the questions e-Samwad's programme managers ask (../shared/reference/esamwad-use-cases.md)
 * for one channel, app and range — active users, sessions and time spent, top pages and
 * interactions, a funnel, feedback, searches, interrupts/shares/errors, rejected events. Every
 * figure comes from one request, GET /api/home (server api/home.ts), and links to the insight
 * that computes it (`data-kind`/`data-query` carry that query, @telemetry/query homeQueries).
 */
import {
  DEFAULT_FLOW,
  HOME_FLOWS,
  type HomeAnswer,
  type HomeParams,
  type HomeTop,
  homeQueries,
  type InsightKind,
} from '@telemetry/query';
import type { ReactNode } from 'react';
import { fmt, percent, useApi, useValues } from '../insight';
import { href, insightHref, navigate } from '../router';
import { Sparkline } from '../sparkline';
import { Stat } from '../stat';
import { Empty, Show } from '../states';

const RANGES: [string, string][] = [
  ['-7d', 'Last 7 days'],
  ['-30d', 'Last 30 days'],
  ['-90d', 'Last 90 days'],
];

function Figure(props: {
  title: string;
  kind: InsightKind | 'quality';
  query: unknown;
  id: string;
  children: ReactNode;
}) {
  const link = props.kind === 'quality' ? href('quality') : insightHref(props.kind, props.query);
  return (
    <section className="card" data-testid={props.id} data-kind={props.kind} data-query={JSON.stringify(props.query)}>
      <h2>
        <a href={link}>{props.title}</a>
      </h2>
      {props.children}
    </section>
  );
}

const last = (data: number[]) => (data.length ? data[data.length - 1] : null);

function Breakdown({ rows, id }: { rows: HomeTop[]; id: string }) {
  if (!rows.length) return <p className="state">None in this range.</p>;
  const most = Math.max(...rows.map((x) => x.count));
  return (
    <ol className="bars" data-testid={id}>
      {rows.map((r) => (
        <li key={r.value ?? ''}>
          <span className="name">{r.value ?? '(none)'}</span>
          <span className="bar" style={{ width: `${(100 * r.count) / most}%` }} />
          <span className="n">{fmt(r.count)}</span>
        </li>
      ))}
    </ol>
  );
}

export function Home({ params }: { params: URLSearchParams }) {
  const channel = params.get('channel') ?? '';
  const app = params.get('app') ?? '';
  const range = params.get('range') ?? '-7d';
  const flow = Object.hasOwn(HOME_FLOWS, params.get('funnel') ?? '') ? (params.get('funnel') as string) : DEFAULT_FLOW;
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    navigate(`#/home?${next}`, true);
  };
  const asked: HomeParams = { from: range, flow, ...(channel ? { channel } : {}), ...(app ? { app } : {}) };
  const q = homeQueries(asked);
  const home = useApi<HomeAnswer>(`/api/home?${new URLSearchParams(asked as Record<string, string>)}`);
  // The pickers' lists scan every event: asked for once the figures are in, so they never delay them.
  const channels = useValues('context.channel', undefined, home.isFetched);
  const apps = useValues('context.pdata.id', undefined, home.isFetched);
  const empty = home.data?.active.dau.every((n) => n === 0);
  const failedPath =
    home.data && `/api/failed-events/summary?from=${Date.parse(home.data.from)}&to=${Date.parse(home.data.to)}`;

  return (
    <div className="home" data-testid="home">
      <div className="toolbar">
        <h1>Home</h1>
        <label>
          Channel{' '}
          <select value={channel} onChange={(e) => set('channel', e.target.value)}>
            <option value="">All channels</option>
            {channels.data?.values.map((v) => (
              <option key={v.value}>{v.value}</option>
            ))}
          </select>
        </label>
        <label>
          App{' '}
          <select value={app} onChange={(e) => set('app', e.target.value)}>
            <option value="">All apps</option>
            {apps.data?.values.map((v) => (
              <option key={v.value}>{v.value}</option>
            ))}
          </select>
        </label>
        <label>
          Range{' '}
          <select value={range} onChange={(e) => set('range', e.target.value)}>
            {RANGES.map(([v, t]) => (
              <option key={v} value={v}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      {empty && <Empty>No page views in this range{channel || app ? ' for this channel and app' : ''}.</Empty>}
      <div className="grid">
        <Figure title="Active users" kind="trends" query={q.active} id="fig-active">
          <Show q={home} what="active users">
            {({ active: a }) => {
              const lines = (['dau', 'wau', 'mau'] as const).map((k) => ({ k, name: k.toUpperCase(), data: a[k] }));
              return (
                <>
                  <div className="stats">
                    {lines.map((l) => (
                      <Stat key={l.k} id={`active-${l.k}`} label={`${l.name} (latest day)`} value={fmt(last(l.data))} />
                    ))}
                  </div>
                  <Sparkline label="Daily, weekly and monthly active users per day" buckets={a.buckets} lines={lines} />
                </>
              );
            }}
          </Show>
        </Figure>
        <Figure title="Sessions and time spent" kind="sessions" query={q.sessions} id="fig-sessions">
          <Show q={home} what="sessions">
            {({ sessions: s }) => (
              <>
                <div className="stats">
                  <Stat id="sessions-count" label="sessions" value={fmt(s.sessions.count)} />
                  <Stat id="sessions-avg" label="avg seconds per session" value={fmt(s.sessions.avg, 1)} />
                  <Stat id="sessions-actors" label="users with a session" value={fmt(s.sessions.actors)} />
                </div>
                <h3>Time per page (seconds)</h3>
                <ol className="bars">
                  {s.byPage.map((p) => (
                    <li key={p.pageid}>
                      <span className="name">{p.pageid}</span>
                      <span className="n">
                        {fmt(p.timeSpent)} s total, {fmt(p.avg, 1)} s avg
                      </span>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </Show>
        </Figure>
        <Figure title="Top pages (views)" kind="trends" query={q.pages} id="fig-pages">
          <Show q={home} what="top pages">
            {(h) => <Breakdown rows={h.pages} id="top-pages" />}
          </Show>
        </Figure>
        <Figure title="Top interactions" kind="trends" query={q.interactions} id="fig-interactions">
          <Show q={home} what="top interactions">
            {(h) => <Breakdown rows={h.interactions} id="top-interactions" />}
          </Show>
        </Figure>
        <Figure title="Key flow" kind="funnels" query={q.funnel} id="fig-funnel">
          <label>
            Flow{' '}
            <select value={flow} onChange={(e) => set('funnel', e.target.value)}>
              {Object.entries(HOME_FLOWS).map(([id, x]) => (
                <option key={id} value={id}>
                  {x.title}
                </option>
              ))}
            </select>
          </label>
          <Show q={home} what="the funnel">
            {({ funnel: a }) => (
              <ol className="bars" data-testid="funnel-steps">
                {a.steps.map((s) => (
                  <li key={s.step}>
                    <span className="name">
                      {s.step}. {s.label}
                    </span>
                    <span className="bar" style={{ width: `${100 * s.conversionRate}%` }} />
                    <span className="n" data-testid={`funnel-step-${s.step}`}>
                      {fmt(s.count)}
                    </span>
                    <span className="rate">{percent(100 * s.conversionRate)}</span>
                  </li>
                ))}
              </ol>
            )}
          </Show>
        </Figure>
        <Figure title="Feedback ratings" kind="trends" query={q.feedback} id="fig-feedback">
          <Show q={home} what="feedback">
            {({ feedback: f }) => (
              <div className="stats">
                <Stat
                  id="feedback-avg"
                  label="average rating (1–5)"
                  value={f.ratings ? fmt(f.ratingSum / f.ratings, 2) : '–'}
                />
                <Stat id="feedback-count" label="ratings" value={fmt(f.ratings)} />
              </div>
            )}
          </Show>
        </Figure>
        <Figure title="Searches" kind="trends" query={q.searches} id="fig-searches">
          <Show q={home} what="searches">
            {({ searches: s }) => (
              <div className="stats">
                <Stat id="searches-count" label="searches" value={fmt(s.searches)} />
                <Stat
                  id="searches-zero"
                  label="with no result"
                  value={s.searches ? percent((100 * s.zeroResults) / s.searches) : '–'}
                />
              </div>
            )}
          </Show>
        </Figure>
        <Figure title="Interrupts, shares and errors" kind="trends" query={q.signals} id="fig-signals">
          <Show q={home} what="interrupts, shares and errors">
            {({ signals: s }) => (
              <div className="stats">
                <Stat id="signal-interrupt" label="interrupt" value={fmt(s.interrupts)} />
                <Stat id="signal-share" label="share" value={fmt(s.shares)} />
                <Stat id="signal-error" label="error" value={fmt(s.errors)} />
              </div>
            )}
          </Show>
        </Figure>
        <Figure title="Rejected events" kind="quality" query={failedPath} id="fig-failed">
          <Show q={home} what="rejected events">
            {({ failed: s }) => (
              <div className="stats">
                <Stat id="failed-count" label="events rejected by the collector" value={fmt(s.total)} />
                {s.byReason[0] && (
                  <Stat id="failed-top" label={`most: ${s.byReason[0].value}`} value={fmt(s.byReason[0].count)} />
                )}
              </div>
            )}
          </Show>
        </Figure>
      </div>
    </div>
  );
}
