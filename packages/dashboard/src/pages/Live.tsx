/**
 * Live events over Server-Sent Events. EventSource cannot send the admin token as a header, so the
 * stream is read with fetch and parsed here; the inspector shows each event's JSON exactly as the
 * server holds it (the bytes received), cut out of the message without re-serialising.
 */
import { useEffect, useState } from 'react';
import { authHeaders } from '../api';
import { ErrorPanel } from '../states';

interface Arrival {
  id: string;
  eid: string;
  actor: string;
  pageid: string;
  raw: string;
}

const FILTERS = ['eid', 'actor', 'channel', 'pageid'] as const;
const KEEP = 200;

/** The raw event text inside `{"syncts":…,"mid":…,"event":<raw>}`. */
export function rawEventOf(data: string): string {
  const at = data.indexOf('"event":');
  return at < 0 ? data : data.slice(at + 8, data.lastIndexOf('}')).trim();
}

export default function Live() {
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [applied, setApplied] = useState<Record<string, string>>({});
  const [events, setEvents] = useState<Arrival[]>([]);
  const [state, setState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<Arrival | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    setState('connecting');
    setError(null);
    const q = new URLSearchParams(Object.entries(applied).filter(([, v]) => v));
    (async () => {
      const response = await fetch(`/api/events/live?${q}`, {
        headers: { ...authHeaders(), accept: 'text/event-stream' },
        signal: abort.signal,
      });
      if (!response.ok || !response.body) throw new Error(`the live stream answered HTTP ${response.status}`);
      setState('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const data = message
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!data) continue;
          const parsed = JSON.parse(data) as {
            mid: string;
            syncts: number;
            event: { eid?: string; actor?: { id?: string }; edata?: { pageid?: string } };
          };
          const arrival = {
            id: `${parsed.syncts}:${parsed.mid}`,
            eid: parsed.event?.eid ?? '?',
            actor: parsed.event?.actor?.id ?? '',
            pageid: parsed.event?.edata?.pageid ?? '',
            raw: rawEventOf(data),
          };
          setEvents((list) => [arrival, ...list].slice(0, KEEP));
        }
      }
      setState('closed');
    })().catch((e) => {
      if (!abort.signal.aborted) {
        setError(e);
        setState('closed');
      }
    });
    return () => abort.abort();
  }, [applied]);

  return (
    <div>
      <h1>Live events</h1>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setEvents([]);
          setApplied(filters);
        }}
      >
        {FILTERS.map((f) => (
          <label key={f}>
            {f}{' '}
            <input
              value={filters[f] ?? ''}
              onChange={(e) => setFilters({ ...filters, [f]: e.target.value })}
              size={12}
            />
          </label>
        ))}
        <button type="submit">Apply filters</button>
      </form>
      <p role="status" data-testid="live-state">
        {state === 'open'
          ? `Listening: ${events.length} events so far (newest first).`
          : state === 'connecting'
            ? 'Connecting…'
            : 'The stream closed.'}
      </p>
      {error ? <ErrorPanel error={error} /> : null}
      <div className="split">
        <ol className="events" data-testid="live-events">
          {events.map((e) => (
            <li key={e.id}>
              <button type="button" className="link" onClick={() => setSelected(e)}>
                <strong>{e.eid}</strong> {e.actor} {e.pageid}
              </button>
            </li>
          ))}
        </ol>
        <section aria-label="Event inspector" className="inspector">
          {selected ? (
            <pre data-testid="inspector">{selected.raw}</pre>
          ) : (
            <p className="state">Pick an event to see its JSON as received.</p>
          )}
        </section>
      </div>
    </div>
  );
}
