/**
 * Data quality: rejected events by day and reason, by eid, channel and app version, and the
 * latest ones with the validator's messages (each naming the field path that was wrong); the pipeline's freshness
 * (Freshness.tsx) and the PostHog forwarder's status when it is configured (ForwardStatus.tsx).
 */
import type { FailedSummary } from '@telemetry/query';
import { useState } from 'react';
import { Chart } from '../chart';
import { fmt, useApi } from '../insight';
import { Show } from '../states';
import ForwardStatus from './ForwardStatus';
import Freshness from './Freshness';

interface Failed {
  syncts: number;
  mid: string | null;
  eid: string | null;
  reason: string;
  errors: string[];
  raw: string;
}

function Counts({ title, rows }: { title: string; rows: { value: string | null; count: number }[] }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length ? (
        <ol className="bars">
          {rows.map((r) => (
            <li key={String(r.value)}>
              <span className="name">{r.value ?? '(unreadable)'}</span>
              <span className="n">{fmt(r.count)}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p className="state">None.</p>
      )}
    </section>
  );
}

export default function DataQuality() {
  const [days, setDays] = useState(7);
  const [now] = useState(() => Date.now());
  const summary = useApi<FailedSummary>(
    `/api/failed-events/summary?from=${now - days * 86_400_000}&to=${now + 60_000}`,
  );
  const latest = useApi<{ items: Failed[] }>('/api/failed-events?limit=50');
  return (
    <div>
      <h1>Data quality</h1>
      <Freshness />
      <ForwardStatus />
      <label>
        Range{' '}
        <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={1}>Last day</option>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
        </select>
      </label>
      <Show q={summary} what="rejected events">
        {(s) => {
          const days = [...new Set(s.byDay.map((d) => d.day))];
          const reasons = [...new Set(s.byDay.map((d) => d.reason))];
          return (
            <>
              <p data-testid="failed-total">
                {s.total === 0
                  ? 'No event was rejected in this range.'
                  : `${fmt(s.total)} events rejected in this range.`}
              </p>
              {s.total > 0 && (
                <Chart
                  label="Rejected events per day by reason"
                  height={220}
                  option={{
                    tooltip: { trigger: 'axis' },
                    legend: { bottom: 0 },
                    grid: { left: 40, right: 10, top: 10, bottom: 40 },
                    xAxis: { type: 'category', data: days },
                    yAxis: { type: 'value' },
                    series: reasons.map((r) => ({
                      type: 'bar',
                      stack: 'r',
                      name: r,
                      data: days.map((d) => s.byDay.find((x) => x.day === d && x.reason === r)?.count ?? 0),
                    })),
                  }}
                />
              )}
              <div className="grid">
                <Counts title="By reason" rows={s.byReason} />
                <Counts title="By event (eid)" rows={s.byEid} />
                <Counts title="By channel" rows={s.byChannel} />
                <Counts title="By app version" rows={s.byAppVersion} />
              </div>
            </>
          );
        }}
      </Show>
      <h2>Latest rejected events</h2>
      <Show q={latest} what="the latest rejected events">
        {(page) =>
          page.items.length === 0 ? (
            <p className="state">No rejected events. Everything sent so far was accepted.</p>
          ) : (
            <ol className="failed" data-testid="failed-list">
              {page.items.map((f, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rejected copies may share syncts and mid
                <li key={`${f.syncts}:${f.mid}:${i}`} className="card">
                  <strong>{f.reason}</strong> · {f.eid ?? 'no eid'} ·{' '}
                  {new Date(f.syncts).toISOString().slice(0, 19).replace('T', ' ')} UTC
                  <ul>
                    {f.errors.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                  </ul>
                  <details>
                    <summary>Event as received</summary>
                    <pre>{f.raw}</pre>
                  </details>
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </div>
  );
}
