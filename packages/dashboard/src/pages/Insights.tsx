/**
 * The insight builder: trends, funnels, retention, paths (Sankey), sessions, stickiness and
 * lifecycle. The query lives in the URL (`#/insights?kind=…&q=<JSON>`), is checked in the browser
 * by the same parser the server uses (@telemetry/query), and is shown as a chart and a table with
 * a CSV download. A funnel step drills down to the actors who dropped off there.
 */
import {
  type FunnelsResult,
  formatQueryErrors,
  INSIGHT_KINDS,
  type InsightKind,
  type LifecycleResult,
  type PathsResult,
  parseInsight,
  type RetentionResult,
  type SessionsAnswer,
  type StickinessResult,
  TRENDS_MATH,
  type TrendsResult,
} from '@telemetry/query';
import { FunnelChart, HeatmapChart, SankeyChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { useEffect, useMemo, useState } from 'react';
import { Chart, type ChartOption, echarts } from '../chart';
import { download, type Table, TableView } from '../csv';
import { useApi, useInsight } from '../insight';
import { href, insightHref, navigate } from '../router';
import { Show } from '../states';
import { SaveToDashboard } from './Dashboards';

echarts.use([FunnelChart, SankeyChart, HeatmapChart, VisualMapComponent]);

const week = { from: '-7d' };
/** What each kind opens with before anything is picked. */
export const DEFAULTS: Record<InsightKind, unknown> = {
  trends: { series: [{ eid: 'IMPRESSION', math: 'unique_actors' }], interval: 'day', dateRange: week },
  funnels: {
    steps: [
      { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'home' }] },
      { eid: 'IMPRESSION', filters: [{ property: 'edata.pageid', operator: 'eq', value: 'assignment' }] },
      { eid: 'INTERACT', filters: [{ property: 'edata.id', operator: 'eq', value: 'submit-assignment' }] },
    ],
    dateRange: { from: '-30d' },
    windowSeconds: 86400,
  },
  retention: {
    startEvent: { eid: 'START' },
    returnEvent: { eid: 'INTERACT' },
    period: 'week',
    periods: 8,
    dateRange: { from: '-8w' },
  },
  paths: { dateRange: week, startPage: 'home', maxSteps: 4, limit: 30 },
  sessions: { dateRange: week, limit: 10 },
  stickiness: { series: [{ eid: 'START' }], interval: 'day', dateRange: { from: '-30d' } },
  lifecycle: { event: { eid: 'START' }, interval: 'day', dateRange: { from: '-30d' } },
};

type Shown = { option?: ChartOption; table: Table; label: string };

function show(kind: InsightKind, a: unknown): Shown {
  switch (kind) {
    case 'trends': {
      const t = a as TrendsResult;
      const name = (s: TrendsResult['series'][number]) =>
        s.breakdownValue !== undefined ? `${s.label}: ${s.other ? 'other' : (s.breakdownValue ?? '(none)')}` : s.label;
      return {
        label: 'Trends per interval',
        option: {
          tooltip: { trigger: 'axis' },
          legend: { bottom: 0, type: 'scroll' },
          grid: { left: 50, right: 10, top: 10, bottom: 50 },
          xAxis: { type: 'category', data: t.buckets },
          yAxis: { type: 'value' },
          series: [
            ...t.series.map((s) => ({ type: 'line', name: name(s), data: s.data })),
            ...(t.previous?.series ?? []).map((s) => ({
              type: 'line',
              name: `${name(s)} (previous)`,
              data: s.data,
              lineStyle: { type: 'dashed' },
            })),
          ],
        },
        table: {
          columns: ['series', ...t.buckets, 'total'],
          rows: t.series.map((s) => [name(s), ...s.data, s.total ?? null]),
        },
      };
    }
    case 'funnels': {
      const f = a as FunnelsResult;
      return {
        label: 'Funnel steps',
        option: {
          tooltip: {},
          series: [
            {
              type: 'funnel',
              sort: 'none',
              left: '10%',
              width: '80%',
              label: { formatter: '{b}: {c}' },
              data: f.steps.map((s) => ({ name: `${s.step}. ${s.label}`, value: s.count })),
            },
          ],
        },
        table: {
          columns: ['step', 'label', 'count', 'conversion %', 'from previous %', 'median seconds from previous'],
          rows: f.steps.map((s) => [
            s.step,
            s.label,
            s.count,
            100 * s.conversionRate,
            100 * s.stepConversionRate,
            s.medianSecondsFromPrevious,
          ]),
        },
      };
    }
    case 'retention': {
      const r = a as RetentionResult;
      const periods = Math.max(0, ...r.cohorts.map((c) => c.values.length));
      const cells = r.cohorts.flatMap((c, y) => c.rates.map((v, x) => [x, y, Math.round(v * 1000) / 10]));
      return {
        label: 'Retention by cohort',
        option: {
          tooltip: {},
          grid: { left: 90, right: 10, top: 10, bottom: 60 },
          xAxis: { type: 'category', data: Array.from({ length: periods }, (_, i) => `${r.period} ${i}`) },
          yAxis: { type: 'category', data: r.cohorts.map((c) => c.cohort), inverse: true },
          visualMap: {
            min: 0,
            max: 100,
            orient: 'horizontal',
            left: 'center',
            bottom: 0,
            calculable: false,
            itemHeight: 80,
          },
          series: [{ type: 'heatmap', data: cells, label: { show: true } }],
        },
        table: {
          columns: ['cohort', 'size', ...Array.from({ length: periods }, (_, i) => `${r.period} ${i}`)],
          rows: r.cohorts.map((c) => [c.cohort, c.size, ...c.values]),
        },
      };
    }
    case 'paths': {
      const p = a as PathsResult;
      return {
        label: 'Paths between pages',
        option: {
          tooltip: {},
          series: [
            {
              type: 'sankey',
              data: p.nodes.map((n) => ({ name: n.id })),
              links: p.links,
              label: { formatter: (x: { name: string }) => x.name.replace(/^\d+_/, '') },
            },
          ],
        },
        table: { columns: ['from', 'to', 'sessions'], rows: p.links.map((l) => [l.source, l.target, l.value]) },
      };
    }
    case 'sessions': {
      const s = a as SessionsAnswer;
      return {
        label: 'Sessions by time spent',
        option: {
          tooltip: {},
          grid: { left: 50, right: 10, top: 10, bottom: 30 },
          xAxis: { type: 'category', data: s.distribution.map((d) => `${d.from}–${d.to ?? ''} s`) },
          yAxis: { type: 'value' },
          series: [{ type: 'bar', data: s.distribution.map((d) => d.sessions) }],
        },
        table: {
          columns: ['what', 'key', 'count', 'time spent (s)', 'avg (s)', 'median (s)'],
          rows: [
            ['sessions', '', s.sessions.count, s.sessions.timeSpent, s.sessions.avg, s.sessions.median],
            ...s.byPage.map((x) => ['page', x.pageid, x.count, x.timeSpent, x.avg, x.median]),
            ...s.byActor.map((x) => ['actor', x.actorId, x.count, x.timeSpent, x.avg, x.median]),
            ...s.byContent.map((x) => ['content', x.objectId, x.count, x.timeSpent, x.avg, x.median]),
          ],
        },
      };
    }
    case 'stickiness': {
      const s = a as StickinessResult;
      return {
        label: `Actors by number of active ${s.interval}s`,
        option: {
          tooltip: { trigger: 'axis' },
          grid: { left: 50, right: 10, top: 10, bottom: 30 },
          xAxis: { type: 'category', data: s.intervals },
          yAxis: { type: 'value' },
          series: s.series.map((x) => ({ type: 'bar', name: x.label, data: x.data })),
        },
        table: { columns: ['series', ...s.intervals.map(String)], rows: s.series.map((x) => [x.label, ...x.data]) },
      };
    }
    case 'lifecycle': {
      const l = a as LifecycleResult;
      const statuses = Object.keys(l.series) as (keyof LifecycleResult['series'])[];
      return {
        label: 'Lifecycle per interval',
        option: {
          tooltip: { trigger: 'axis' },
          legend: { bottom: 0 },
          grid: { left: 50, right: 10, top: 10, bottom: 40 },
          xAxis: { type: 'category', data: l.buckets },
          yAxis: { type: 'value' },
          series: statuses.map((s) => ({
            type: 'bar',
            stack: 'all',
            name: s,
            data: l.series[s].map((v) => (s === 'dormant' ? -v : v)),
          })),
        },
        table: { columns: ['status', ...l.buckets], rows: statuses.map((s) => [s, ...l.series[s]]) },
      };
    }
  }
}

function Result({ kind, query }: { kind: InsightKind; query: unknown }) {
  const answer = useInsight<unknown>(kind, query);
  return (
    <Show q={answer} what="the insight">
      {(a) => {
        const shown = show(kind, a);
        const onPick =
          kind === 'funnels'
            ? (p: { dataIndex: number }) => {
                const step = p.dataIndex + 1;
                if (step >= 2) navigate(href('actors', { kind, step: String(step), q: JSON.stringify(query) }));
              }
            : undefined;
        return (
          <div data-testid="insight-result">
            {shown.option && (
              <Chart option={shown.option} label={shown.label} height={kind === 'paths' ? 420 : 300} onPick={onPick} />
            )}
            {kind === 'funnels' && (
              <p className="hint">
                Dropped off at:{' '}
                {(a as FunnelsResult).steps.slice(1).map((s) => (
                  <a
                    key={s.step}
                    data-testid={`drill-step-${s.step}`}
                    href={href('actors', { kind, step: String(s.step), q: JSON.stringify(query) })}
                  >
                    step {s.step}{' '}
                  </a>
                ))}
              </p>
            )}
            <button type="button" onClick={() => download(`${kind}.csv`, shown.table)}>
              Download CSV
            </button>
            <TableView table={shown.table} caption={shown.label} />
          </div>
        );
      }}
    </Show>
  );
}

/** The fields most queries change, over the JSON; the JSON stays editable for everything else. */
function QuickFields({
  kind,
  query,
  set,
}: {
  kind: InsightKind;
  query: Record<string, unknown>;
  set: (q: unknown) => void;
}) {
  const events = useApi<{ events: { eid: string }[]; properties: { path: string }[] }>('/api/properties?days=3660');
  const range = (query.dateRange ?? {}) as Record<string, string>;
  const setRange = (k: string, v: string) => set({ ...query, dateRange: { ...range, [k]: v || undefined } });
  const series = (query.series ?? []) as Record<string, unknown>[];
  return (
    <div className="toolbar">
      <label>
        From <input value={range.from ?? ''} onChange={(e) => setRange('from', e.target.value)} size={10} />
      </label>
      <label>
        To <input value={range.to ?? ''} placeholder="now" onChange={(e) => setRange('to', e.target.value)} size={10} />
      </label>
      <label>
        Time zone{' '}
        <input
          value={range.timezone ?? ''}
          placeholder="UTC"
          onChange={(e) => setRange('timezone', e.target.value)}
          size={12}
        />
      </label>
      {kind === 'trends' && series[0] && (
        <>
          <label>
            Event{' '}
            <select
              value={String(series[0].eid)}
              onChange={(e) => set({ ...query, series: [{ ...series[0], eid: e.target.value }, ...series.slice(1)] })}
            >
              {[String(series[0].eid), ...(events.data?.events.map((x) => x.eid) ?? [])]
                .filter((v, i, all) => all.indexOf(v) === i)
                .map((eid) => (
                  <option key={eid}>{eid}</option>
                ))}
            </select>
          </label>
          <label>
            Math{' '}
            <select
              value={String(series[0].math ?? 'total')}
              onChange={(e) => set({ ...query, series: [{ ...series[0], math: e.target.value }, ...series.slice(1)] })}
            >
              {TRENDS_MATH.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            Breakdown{' '}
            <select
              value={String((query.breakdown as { property?: string })?.property ?? '')}
              onChange={(e) =>
                set({ ...query, breakdown: e.target.value ? { property: e.target.value, limit: 10 } : undefined })
              }
            >
              <option value="">none</option>
              {events.data?.properties.map((p) => (
                <option key={p.path}>{p.path}</option>
              ))}
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              checked={query.compare === true}
              onChange={(e) => set({ ...query, compare: e.target.checked })}
            />{' '}
            Compare to previous period
          </label>
        </>
      )}
    </div>
  );
}

export default function Insights({ params }: { params: URLSearchParams }) {
  const kind = (INSIGHT_KINDS as string[]).includes(params.get('kind') ?? '')
    ? (params.get('kind') as InsightKind)
    : 'trends';
  const fromUrl = params.get('q');
  const query = useMemo(() => {
    try {
      return fromUrl ? JSON.parse(fromUrl) : DEFAULTS[kind];
    } catch {
      return DEFAULTS[kind];
    }
  }, [fromUrl, kind]);
  const [text, setText] = useState(JSON.stringify(query, null, 2));
  useEffect(() => setText(JSON.stringify(query, null, 2)), [query]);
  const parsed = parseInsight(kind, query);
  const set = (q: unknown) => navigate(insightHref(kind, JSON.parse(JSON.stringify(q))), true);
  let textError = '';
  try {
    JSON.parse(text);
  } catch (e) {
    textError = (e as Error).message;
  }
  return (
    <div>
      <h1>Insights</h1>
      <nav aria-label="Insight kinds" className="tabs">
        {INSIGHT_KINDS.map((k) => (
          <a key={k} href={insightHref(k, DEFAULTS[k])} aria-current={k === kind ? 'page' : undefined}>
            {k}
          </a>
        ))}
      </nav>
      <QuickFields kind={kind} query={query as Record<string, unknown>} set={set} />
      <details>
        <summary>Query (JSON)</summary>
        <label htmlFor="query-json" className="sr-only">
          Insight query as JSON
        </label>
        <textarea id="query-json" rows={10} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        <button type="button" disabled={!!textError} onClick={() => set(JSON.parse(text))}>
          Apply
        </button>
        {textError && <p className="state error">{textError}</p>}
      </details>
      {parsed.ok ? (
        <>
          <SaveToDashboard kind={kind} query={query} />
          <Result kind={kind} query={query} />
        </>
      ) : (
        <div className="state error" role="alert" data-testid="query-errors">
          This query is not valid: {formatQueryErrors(parsed.errors)}
        </div>
      )}
    </div>
  );
}
