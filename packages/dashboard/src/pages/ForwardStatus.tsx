/**
 * The PostHog forwarder's panel on the data-quality page: GET /api/forward/status (server api/forward.ts) — lag in
 * events and seconds, events sent, dead-lettered (failed) and sent again, dead letters waiting, the last error.
 * Renders nothing when the forwarder is not configured. Refreshed every 10 s.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { fmt } from '../insight';

/** GET /api/forward/status (the server's ForwarderStatus, sinks/posthog/forwarder.ts). */
interface ForwardStatusAnswer {
  enabled: boolean;
  host?: string;
  lagEvents?: number;
  lagSeconds?: number;
  sent?: number;
  failed?: number;
  resent?: number;
  deadLetters?: number;
  lastError?: string;
  lastErrorAt?: number;
}

function Figure({ label, value, id }: { label: string; value: string; id: string }) {
  return (
    <div className="stat">
      <span className="value" data-testid={id}>
        {value}
      </span>
      <span className="label">{label}</span>
    </div>
  );
}

export default function ForwardStatus() {
  const q = useQuery({
    queryKey: ['api', '/api/forward/status'],
    queryFn: () => api<ForwardStatusAnswer>('/api/forward/status'),
    refetchInterval: 10_000,
  });
  const s = q.data;
  if (!s?.enabled) return null;
  return (
    <section className="card" data-testid="forward-status">
      <h2>Forwarding to PostHog</h2>
      <p className="state">To {s.host}</p>
      <div className="stats">
        <Figure label="events behind" value={fmt(s.lagEvents)} id="forward-lag-events" />
        <Figure label="seconds behind" value={fmt(s.lagSeconds, 1)} id="forward-lag-seconds" />
        <Figure label="sent" value={fmt(s.sent)} id="forward-sent" />
        <Figure label="refused (dead-lettered)" value={fmt(s.failed)} id="forward-failed" />
        <Figure label="sent again after a failed attempt" value={fmt(s.resent)} id="forward-resent" />
        <Figure label="dead letters waiting" value={fmt(s.deadLetters)} id="forward-dead-letters" />
      </div>
      {s.lastError && (
        <p data-testid="forward-last-error">
          Last error ({new Date(s.lastErrorAt ?? 0).toISOString().slice(0, 19).replace('T', ' ')} UTC): {s.lastError}
        </p>
      )}
    </section>
  );
}
