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
  selectorLabel,
  type TrendsLine,
  type TrendsQuery,
  type TrendsResult,
} from '@telemetry/query';
import { FunnelChart, HeatmapChart, SankeyChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { useEffect, useMemo, useState } from 'react';
import { Builder } from '../builder';
import { Chart, type ChartOption, echarts } from '../chart';
import { download, type Table, TableView } from '../csv';
import { pinnedQuery } from '../drill';
import { useInsight } from '../insight';
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

/**
 * `drill(row, column)`: the actors page params behind a table cell (a trend's point, a retention
 * cell); `pick` maps a chart click to that cell.
 */
type Shown = {
  option?: ChartOption;
  table: Table;
  label: string;
  /** A second table under the first (a funnel's time to convert). */
  extra?: Table & { label: string };
  drill?: (row: number, column: number) => Record<string, string> | undefined;
  pick?: (p: { seriesIndex: number; dataIndex: number; data: unknown }) => [number, number] | undefined;
};

function show(kind: InsightKind, a: unknown, query: unknown): Shown {
  switch (kind) {
    case 'trends': {
      const t = a as TrendsResult;
      const q = query as TrendsQuery;
      // Two series with the same label (IMPRESSION counted, then its unique actors) would share a legend entry and a
      // table row name: then every line is named by its series' letter too, the letter formulas use.
      const labels = q.series.map(selectorLabel);
      const lettered = new Set(labels).size < labels.length;
      const label = (s: TrendsLine) =>
        s.breakdownValue !== undefined ? `${s.label}: ${s.other ? 'other' : (s.breakdownValue ?? '(none)')}` : s.label;
      const name = (s: TrendsLine) =>
        lettered ? `${String.fromCharCode(65 + s.seriesIndex)} · ${label(s)}` : label(s);
      const whole = q.aggregate === 'range';
      const formulaRow = (f: NonNullable<TrendsResult['formula']>, suffix = '') => [
        `formula ${f.expression}${suffix}`,
        ...f.data,
        null,
        ...(whole ? [f.aggregated ?? null] : []),
      ];
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
            ...(t.formula ? [{ type: 'line', name: `formula ${t.formula.expression}`, data: t.formula.data }] : []),
            ...(t.previous?.series ?? []).map((s) => ({
              type: 'line',
              name: `${name(s)} (previous)`,
              data: s.data,
              lineStyle: { type: 'dashed' },
            })),
          ],
        },
        table: {
          columns: ['series', ...t.buckets, 'total', ...(whole ? ['whole range'] : [])],
          rows: [
            ...t.series.map((s) => [name(s), ...s.data, s.total ?? null, ...(whole ? [s.aggregated ?? null] : [])]),
            ...(t.formula ? [formulaRow(t.formula)] : []),
            ...(t.previous?.series ?? []).map((s) => [
              `${name(s)} (previous)`,
              ...s.data,
              s.total ?? null,
              ...(whole ? [s.aggregated ?? null] : []),
            ]),
            ...(t.previous?.formula ? [formulaRow(t.previous.formula, ' (previous)')] : []),
          ],
        },
        drill: (row, column) => {
          const line = t.series[row];
          if (column < 1 || column > t.buckets.length || !line || line.other) return undefined;
          return {
            series: String(line.seriesIndex),
            bucket: String(column - 1),
            ...(line.breakdownValue !== undefined ? { breakdownValue: JSON.stringify(line.breakdownValue) } : {}),
          };
        },
        pick: (p) => (p.seriesIndex < t.series.length ? [p.seriesIndex, p.dataIndex + 1] : undefined),
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
              left: '5%',
              width: '55%', // the step labels sit to the right: room for them in a dashboard tile and on a phone
              label: { formatter: '{b}: {c}' },
              data: f.steps.map((s) => ({ name: `${s.step}. ${s.label}`, value: s.count })),
            },
          ],
        },
        table: {
          columns: [
            'step',
            'label',
            'count',
            'conversion %',
            'from previous %',
            'median seconds from previous',
            ...(f.previous ? ['previous period count', 'previous period conversion %'] : []),
          ],
          rows: f.steps.map((s, i) => [
            s.step,
            s.label,
            s.count,
            100 * s.conversionRate,
            100 * s.stepConversionRate,
            s.medianSecondsFromPrevious,
            ...(f.previous
              ? [f.previous.steps[i]?.count ?? null, 100 * (f.previous.steps[i]?.conversionRate ?? 0)]
              : []),
          ]),
        },
        ...(f.conversionTime
          ? {
              extra: {
                label: `Time to convert from step ${f.conversionTime.fromStep} to step ${f.conversionTime.toStep}`,
                columns: ['from seconds', 'to seconds', 'count'],
                rows: f.conversionTime.bins.map((b) => [b.fromSeconds, b.toSeconds, b.count]),
              },
            }
          : {}),
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
          rows: [
            ...r.cohorts.map((c) => [c.cohort, c.size, ...c.values]),
            ...(r.previous?.cohorts ?? []).map((c) => [`${c.cohort} (previous)`, c.size, ...c.values]),
          ],
        },
        drill: (row, column) =>
          column >= 2 && column - 2 < (r.cohorts[row]?.values.length ?? 0)
            ? { cohort: String(row), period: String(column - 2) }
            : undefined,
        pick: (p) => {
          const [x, y] = p.data as [number, number];
          return [y, x + 2];
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
          series: [
            ...s.series.map((x) => ({ type: 'bar', name: x.label, data: x.data })),
            ...(s.previous?.series ?? []).map((x) => ({ type: 'bar', name: `${x.label} (previous)`, data: x.data })),
          ],
        },
        table: {
          columns: ['series', ...s.intervals.map(String)],
          rows: [
            ...s.series.map((x) => [x.label, ...x.data]),
            ...(s.previous?.series ?? []).map((x) => [`${x.label} (previous)`, ...x.data]),
          ],
        },
        drill: (row, column) =>
          row < s.series.length && column >= 1 && column <= s.intervals.length
            ? { series: String(row), intervals: String(column) }
            : undefined,
        pick: (p) => (p.seriesIndex < s.series.length ? [p.seriesIndex, p.dataIndex + 1] : undefined),
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
        table: {
          columns: ['status', ...l.buckets],
          rows: [
            ...statuses.map((s) => [s, ...l.series[s]]),
            ...(l.previous ? statuses.map((s) => [`${s} (previous)`, ...(l.previous?.series[s] ?? [])]) : []),
          ],
        },
        drill: (row, column) =>
          row < statuses.length && column >= 1 && column <= l.buckets.length
            ? { status: statuses[row], bucket: String(column - 1) }
            : undefined,
        pick: (p) => (p.seriesIndex < statuses.length ? [p.seriesIndex, p.dataIndex + 1] : undefined),
      };
    }
  }
}

/** An insight's chart alone, for a dashboard tile. */
export function InsightChart({ kind, query, height }: { kind: InsightKind; query: unknown; height: number }) {
  const answer = useInsight<unknown>(kind, query);
  return (
    <Show q={answer} what="the insight">
      {(a) => {
        const shown = show(kind, a, query);
        return shown.option ? (
          <Chart option={shown.option} label={shown.label} height={height} />
        ) : (
          <TableView table={shown.table} caption={shown.label} />
        );
      }}
    </Show>
  );
}

/** One breakdown entry of a funnel, retention, path, stickiness, lifecycle or sessions answer. */
type Entry = { value: string | null; label?: string; other?: boolean };
/** Kinds whose figures of one cohort's answer have actors behind them (POST /api/insights/actors, breakdownValue). */
const DRILL_BY_COHORT: InsightKind[] = ['stickiness', 'lifecycle'];

/**
 * Under the whole answer's table, one table per breakdown entry (a property's value, or a cohort with
 * `breakdownCohorts`): the kind's own table of that entry's answer. Trends show theirs as lines instead.
 */
function BreakdownTables(props: { kind: InsightKind; answer: unknown; query: unknown; drillQuery: string }) {
  const { kind, answer, query } = props;
  const entries = kind === 'trends' ? [] : ((answer as { breakdown?: Entry[] }).breakdown ?? []);
  if (!entries.length) return null;
  return (
    <div data-testid="insight-breakdown">
      {entries.map((b) => {
        const shown = show(kind, { ...(answer as object), ...b, previous: undefined }, query);
        const name = b.label ?? (b.other ? 'other' : (b.value ?? '(none)'));
        const link =
          b.label !== undefined && DRILL_BY_COHORT.includes(kind)
            ? (row: number, column: number) => {
                const at = shown.drill?.(row, column);
                const breakdownValue = JSON.stringify(b.value);
                return at && href('actors', { kind, q: props.drillQuery, ...at, breakdownValue });
              }
            : undefined;
        return (
          <TableView key={`${name}:${b.value}`} table={shown.table} caption={`${shown.label}: ${name}`} link={link} />
        );
      })}
    </div>
  );
}

function Result({ kind, query }: { kind: InsightKind; query: unknown }) {
  const answer = useInsight<unknown>(kind, query);
  return (
    <Show q={answer} what="the insight">
      {(a) => {
        const shown = show(kind, a, query);
        // The actors of the figures shown: of the range this answer was computed over, not of a relative range
        // resolved again at the click (drill.ts).
        const drillQuery = JSON.stringify(pinnedQuery(kind, query, a, answer.dataUpdatedAt));
        const drillHref = (row: number, column: number) => {
          const at = shown.drill?.(row, column);
          return at && href('actors', { kind, q: drillQuery, ...at });
        };
        const onPick =
          kind === 'funnels'
            ? (p: { dataIndex: number }) => {
                const step = p.dataIndex + 1;
                if (step >= 2) navigate(href('actors', { kind, step: String(step), q: drillQuery }));
              }
            : shown.pick
              ? (p: { seriesIndex: number; dataIndex: number; data: unknown }) => {
                  const cell = shown.pick?.(p);
                  const to = cell && drillHref(...cell);
                  if (to) navigate(to);
                }
              : undefined;
        return (
          <div data-testid="insight-result">
            {shown.option && (
              <Chart option={shown.option} label={shown.label} height={kind === 'paths' ? 420 : 300} onPick={onPick} />
            )}
            {kind === 'funnels' && (
              <p className="hint">
                Reached:{' '}
                {(a as FunnelsResult).steps.map((s) => (
                  <a
                    key={s.step}
                    data-testid={`reached-step-${s.step}`}
                    href={href('actors', { kind, step: String(s.step), reached: '1', q: drillQuery })}
                  >
                    step {s.step}{' '}
                  </a>
                ))}
                · Dropped off at:{' '}
                {(a as FunnelsResult).steps.slice(1).map((s) => (
                  <a
                    key={s.step}
                    data-testid={`drill-step-${s.step}`}
                    href={href('actors', { kind, step: String(s.step), q: drillQuery })}
                  >
                    step {s.step}{' '}
                  </a>
                ))}
              </p>
            )}
            <button type="button" onClick={() => download(`${kind}.csv`, shown.table)}>
              Download CSV
            </button>
            {shown.drill && <p className="hint">Click a point or a number in the table to see the actors behind it.</p>}
            <TableView table={shown.table} caption={shown.label} link={shown.drill ? drillHref : undefined} />
            {shown.extra && (
              <div data-testid="insight-extra">
                <TableView table={shown.extra} caption={shown.extra.label} />
              </div>
            )}
            <BreakdownTables kind={kind} answer={a} query={query} drillQuery={drillQuery} />
          </div>
        );
      }}
    </Show>
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
      <Builder kind={kind} query={query as Record<string, unknown>} set={set} />
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
