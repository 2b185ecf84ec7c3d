/**
 * The freshness panel on the data-quality page: GET /health (server api/health.ts) — whether the pipeline keeps its
 * promise (the reason codes when it does not), how long after their acknowledgement the last 5 minutes' events
 * became visible to queries and were included in sessions and time spent (99th percentile, server
 * metrics/freshness.ts), and how many acknowledged events wait for either step. Refreshed every 10 s.
 */
import { useQuery } from '@tanstack/react-query';
import { authHeaders } from '../api';
import { fmt } from '../insight';
import { Stat } from '../stat';

/** GET /health's result: the details are numbers only without the admin token (null delays are then absent). */
interface Health {
  healthy: boolean;
  reasons: string[];
  details: {
    unloaded_events?: number;
    unsummarized_events?: number;
    visible_p99_ms?: number | null;
    summarized_p99_ms?: number | null;
  };
}

/** /health answers 503 with the same body when the pipeline is unhealthy: both are answers here. */
async function health(): Promise<Health> {
  const response = await fetch('/health', { headers: authHeaders() });
  return ((await response.json()) as { result: Health }).result;
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? '–' : fmt(ms / 1000, 1));

export default function Freshness() {
  const q = useQuery({ queryKey: ['health'], queryFn: health, refetchInterval: 10_000 });
  const h = q.data;
  if (!h) return null;
  const d = h.details;
  return (
    <section className="card" data-testid="freshness">
      <h2>Freshness</h2>
      <p className="state" data-testid="freshness-health">
        {h.healthy ? 'The pipeline is keeping up.' : `The pipeline is not keeping up: ${h.reasons.join(', ')}.`}
      </p>
      <div className="stats">
        <Stat label="s to visible (p99, last 5 min)" value={seconds(d.visible_p99_ms)} id="freshness-visible" />
        <Stat label="s to sessions (p99, last 5 min)" value={seconds(d.summarized_p99_ms)} id="freshness-summarized" />
        <Stat label="events waiting to load" value={fmt(d.unloaded_events)} id="freshness-unloaded" />
        <Stat label="events waiting for sessions" value={fmt(d.unsummarized_events)} id="freshness-unsummarized" />
      </div>
    </section>
  );
}
