/**
 * The PostHog forwarder's panel on the data-quality page: GET /api/forward/status (server api/forward.ts) — lag in
 * events and seconds, events sent, dead-lettered (failed) and sent again, dead letters waiting, the last error.
 * Renders nothing when the forwarder is not configured. Refreshed every 10 s.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from '../api';
import { fmt } from '../insight';
import { Stat } from '../stat';

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
        <Stat label="events behind" value={fmt(s.lagEvents)} id="forward-lag-events" />
        <Stat label="seconds behind" value={fmt(s.lagSeconds, 1)} id="forward-lag-seconds" />
        <Stat label="sent" value={fmt(s.sent)} id="forward-sent" />
        <Stat label="refused (dead-lettered)" value={fmt(s.failed)} id="forward-failed" />
        <Stat label="sent again after a failed attempt" value={fmt(s.resent)} id="forward-resent" />
        <Stat label="dead letters waiting" value={fmt(s.deadLetters)} id="forward-dead-letters" />
      </div>
      {s.lastError && (
        <p data-testid="forward-last-error">
          Last error ({new Date(s.lastErrorAt ?? 0).toISOString().slice(0, 19).replace('T', ' ')} UTC): {s.lastError}
        </p>
      )}
    </section>
  );
}
