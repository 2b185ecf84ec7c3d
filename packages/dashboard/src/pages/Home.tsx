/**
 * Home: the questions e-Samwad's programme managers ask (../shared/reference/esamwad-use-cases.md)
 * for one channel, app and range — active users, sessions and time spent, top pages and
 * interactions, a funnel, feedback, searches, interrupts/shares/errors, rejected events. Each
 * figure links to the insight that computes it (`data-kind`/`data-query` carry that query).
 */
import type {
  FailedSummary,
  FunnelsResult,
  InsightKind,
  PropertyFilter,
  SessionsAnswer,
  TrendsLine,
  TrendsResult,
} from '@telemetry/query';
import { type ReactNode, useState } from 'react';
import { fmt, useApi, useInsight, useValues } from '../insight';
import { href, insightHref, navigate } from '../router';
import { Sparkline } from '../sparkline';
import { Empty, Show } from '../states';

const RANGES: [string, string][] = [
  ['-7d', 'Last 7 days'],
  ['-30d', 'Last 30 days'],
  ['-90d', 'Last 90 days'],
];
const DAYS: Record<string, number> = { '-7d': 7, '-30d': 30, '-90d': 90 };

const step = (eid: string, property?: string, value?: string) => ({
  eid,
  ...(property
    ? { label: `${eid} ${value}`, filters: [{ property, operator: 'eq' as const, value: value as string }] }
    : {}),
});

/** The flows a manager picks from; each is a funnel of the demo app's pages and buttons. */
export const FUNNELS: Record<string, { title: string; steps: ReturnType<typeof step>[] }> = {
  attendance: {
    title: 'Attendance: open → select class → submit',
    steps: [
      step('IMPRESSION', 'edata.pageid', 'attendance'),
      step('INTERACT', 'edata.id', 'select-class'),
      step('INTERACT', 'edata.id', 'submit-attendance'),
    ],
  },
  assignment: {
    title: 'Assignment: open → start → submit',
    steps: [
      step('IMPRESSION', 'edata.pageid', 'assignment'),
      step('INTERACT', 'edata.id', 'start-assignment'),
      step('INTERACT', 'edata.id', 'submit-assignment'),
    ],
  },
  library: {
    title: 'Home → content library → resource',
    steps: [
      step('IMPRESSION', 'edata.pageid', 'home'),
      step('IMPRESSION', 'edata.pageid', 'content-library'),
      step('IMPRESSION', 'edata.pageid', 'resource-detail'),
    ],
  },
};

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

function Stat({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div className="stat">
      <span className="value" data-testid={id}>
        {value}
      </span>
      <span className="label">{label}</span>
    </div>
  );
}

const last = (data: (number | null)[]) => {
  for (let i = data.length - 1; i >= 0; i--) if (data[i] !== null) return data[i];
  return null;
};
const sum = (data: (number | null)[]) => data.reduce<number>((n, v) => n + (v ?? 0), 0);

function Breakdown({ lines, id }: { lines: TrendsLine[]; id: string }) {
  const rows = lines
    .filter((l) => !l.other)
    .map((l) => ({ name: l.breakdownValue ?? '(none)', n: l.total ?? sum(l.data) }));
  if (!rows.length) return <p className="state">None in this range.</p>;
  return (
    <ol className="bars" data-testid={id}>
      {rows.map((r) => (
        <li key={r.name}>
          <span className="name">{r.name}</span>
          <span className="bar" style={{ width: `${(100 * r.n) / Math.max(...rows.map((x) => x.n))}%` }} />
          <span className="n">{fmt(r.n)}</span>
        </li>
      ))}
    </ol>
  );
}

export function Home({ params }: { params: URLSearchParams }) {
  const channel = params.get('channel') ?? '';
  const app = params.get('app') ?? '';
  const range = params.get('range') ?? '-7d';
  const funnel = params.get('funnel') ?? 'attendance';
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    next.set(k, v);
    navigate(`#/home?${next}`, true);
  };
  const channels = useValues('context.channel');
  const apps = useValues('context.pdata.id');
  const filters: PropertyFilter[] = [
    ...(channel ? [{ property: 'context.channel', operator: 'eq' as const, value: channel }] : []),
    ...(app ? [{ property: 'context.pdata.id', operator: 'eq' as const, value: app }] : []),
  ];
  const dateRange = { from: range };
  const f = filters.length ? { filters } : {};
  const q = {
    active: {
      series: (['dau', 'wau', 'mau'] as const).map((math) => ({ eid: 'IMPRESSION', math, label: math.toUpperCase() })),
      interval: 'day',
      dateRange,
      ...f,
    },
    sessions: { dateRange, ...(channel ? { channel: [channel] } : {}), ...(app ? { pdataId: [app] } : {}), limit: 5 },
    pages: {
      series: [{ eid: 'IMPRESSION' }],
      dateRange,
      interval: 'day',
      breakdown: { property: 'edata.pageid', limit: 8 },
      ...f,
    },
    interactions: {
      series: [{ eid: 'INTERACT' }],
      dateRange,
      interval: 'day',
      breakdown: { property: 'edata.id', limit: 8 },
      ...f,
    },
    funnel: { steps: (FUNNELS[funnel] ?? FUNNELS.attendance).steps, dateRange, windowSeconds: 86400, ...f },
    feedback: {
      series: [
        { eid: 'FEEDBACK', math: 'sum', property: 'edata.rating', label: 'rating sum' },
        { eid: 'FEEDBACK', label: 'ratings' },
      ],
      dateRange,
      interval: 'day',
      ...f,
    },
    searches: {
      series: [
        { eid: 'SEARCH', label: 'searches' },
        { eid: 'SEARCH', label: 'zero results', filters: [{ property: 'edata.size', operator: 'eq', value: 0 }] },
      ],
      dateRange,
      interval: 'day',
      ...f,
    },
    signals: {
      series: [{ eid: 'INTERRUPT' }, { eid: 'SHARE' }, { eid: 'ERROR' }],
      dateRange,
      interval: 'day',
      ...f,
    },
  };
  // One clock reading per page view: a new one per render would make a new query key each time.
  const [now] = useState(() => Date.now());
  const failedPath = `/api/failed-events/summary?from=${now - (DAYS[range] ?? 7) * 86_400_000}&to=${now}`;
  const active = useInsight<TrendsResult>('trends', q.active);
  const sessions = useInsight<SessionsAnswer>('sessions', q.sessions);
  const pages = useInsight<TrendsResult>('trends', q.pages);
  const interactions = useInsight<TrendsResult>('trends', q.interactions);
  const funnelAnswer = useInsight<FunnelsResult>('funnels', q.funnel);
  const feedback = useInsight<TrendsResult>('trends', q.feedback);
  const searches = useInsight<TrendsResult>('trends', q.searches);
  const signals = useInsight<TrendsResult>('trends', q.signals);
  const failed = useApi<FailedSummary>(failedPath);
  const empty = active.data?.series.every((s) => sum(s.data) === 0);

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
          <Show q={active} what="active users">
            {(a) => (
              <>
                <div className="stats">
                  {a.series.map((s) => (
                    <Stat
                      key={s.label}
                      id={`active-${s.label.toLowerCase()}`}
                      label={`${s.label} (latest day)`}
                      value={fmt(last(s.data))}
                    />
                  ))}
                </div>
                <Sparkline
                  label="Daily, weekly and monthly active users per day"
                  buckets={a.buckets}
                  lines={a.series.map((s) => ({ name: s.label, data: s.data }))}
                />
              </>
            )}
          </Show>
        </Figure>
        <Figure title="Sessions and time spent" kind="sessions" query={q.sessions} id="fig-sessions">
          <Show q={sessions} what="sessions">
            {(s) => (
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
          <Show q={pages} what="top pages">
            {(a) => <Breakdown lines={a.series} id="top-pages" />}
          </Show>
        </Figure>
        <Figure title="Top interactions" kind="trends" query={q.interactions} id="fig-interactions">
          <Show q={interactions} what="top interactions">
            {(a) => <Breakdown lines={a.series} id="top-interactions" />}
          </Show>
        </Figure>
        <Figure title="Key flow" kind="funnels" query={q.funnel} id="fig-funnel">
          <label>
            Flow{' '}
            <select value={funnel} onChange={(e) => set('funnel', e.target.value)}>
              {Object.entries(FUNNELS).map(([id, x]) => (
                <option key={id} value={id}>
                  {x.title}
                </option>
              ))}
            </select>
          </label>
          <Show q={funnelAnswer} what="the funnel">
            {(a) => (
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
                    <span className="rate">{fmt(100 * s.conversionRate, 1)}%</span>
                  </li>
                ))}
              </ol>
            )}
          </Show>
        </Figure>
        <Figure title="Feedback ratings" kind="trends" query={q.feedback} id="fig-feedback">
          <Show q={feedback} what="feedback">
            {(a) => {
              const total = sum(a.series[1].data);
              return (
                <div className="stats">
                  <Stat
                    id="feedback-avg"
                    label="average rating (1–5)"
                    value={total ? fmt(sum(a.series[0].data) / total, 2) : '–'}
                  />
                  <Stat id="feedback-count" label="ratings" value={fmt(total)} />
                </div>
              );
            }}
          </Show>
        </Figure>
        <Figure title="Searches" kind="trends" query={q.searches} id="fig-searches">
          <Show q={searches} what="searches">
            {(a) => {
              const total = sum(a.series[0].data);
              const zero = sum(a.series[1].data);
              return (
                <div className="stats">
                  <Stat id="searches-count" label="searches" value={fmt(total)} />
                  <Stat
                    id="searches-zero"
                    label="with no result"
                    value={total ? `${fmt((100 * zero) / total, 1)}%` : '–'}
                  />
                </div>
              );
            }}
          </Show>
        </Figure>
        <Figure title="Interrupts, shares and errors" kind="trends" query={q.signals} id="fig-signals">
          <Show q={signals} what="interrupts, shares and errors">
            {(a) => (
              <div className="stats">
                {a.series.map((s) => (
                  <Stat
                    key={s.label}
                    id={`signal-${s.label.toLowerCase()}`}
                    label={s.label.toLowerCase()}
                    value={fmt(sum(s.data))}
                  />
                ))}
              </div>
            )}
          </Show>
        </Figure>
        <Figure title="Rejected events" kind="quality" query={failedPath} id="fig-failed">
          <Show q={failed} what="rejected events">
            {(s) => (
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
