/**
 * Setup: the snippets to paste, the collector URL, and a test event sent from here and looked for in the store. A
 * write key, when the collector requires one (TELEMETRY_WRITE_KEYS, docs/security.md), goes into the snippets and the
 * test event; it is kept only in the field.
 */
import { useState } from 'react';
import { api } from '../api';
import { ErrorPanel } from '../states';

export default function Setup() {
  const collector = `${location.origin}/v1/telemetry`;
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [writeKey, setWriteKey] = useState('');
  const key = writeKey.trim();
  // The key as the SDK's option (`writeKey`) and as EkTelemetry's (`authtoken`), in the snippets below.
  const option = (name: string) => (key ? ` ${name}: ${JSON.stringify(key)},` : '');
  const send = async () => {
    setError(null);
    const mid = `dashboard-test-${Date.now()}`;
    const now = Date.now();
    const event = {
      eid: 'LOG',
      ets: now,
      ver: '3.0',
      mid,
      actor: { id: 'dashboard-setup', type: 'System' },
      context: {
        channel: 'setup-check',
        pdata: { id: 'telemetry.dashboard', ver: '1' },
        env: 'setup',
        did: 'dashboard',
      },
      edata: { type: 'system', level: 'INFO', message: 'test event from the dashboard' },
    };
    try {
      setStatus('Sending…');
      const res = await fetch(collector, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { 'x-api-key': key } : {}) },
        body: JSON.stringify({
          id: 'api.sunbird.telemetry',
          ver: '3.0',
          params: { msgid: mid },
          ets: now,
          events: [event],
        }),
      });
      if (res.status === 401 && !key) {
        throw new Error('this collector requires a write key (TELEMETRY_WRITE_KEYS): enter it above and send again');
      }
      if (!res.ok) throw new Error(`the collector answered HTTP ${res.status}: ${await res.text()}`);
      setStatus('Accepted by the collector; waiting for it to be stored…');
      for (let i = 0; i < 30; i++) {
        const page = await api<{ items: { mid: string }[] }>('/api/events?actor=dashboard-setup&limit=5');
        if (page.items.some((x) => x.mid === mid)) {
          setStatus(`Arrived: ${mid} is stored and readable.`);
          return;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      setStatus('Accepted, but not stored within 15 s: check /health.');
    } catch (e) {
      setStatus('');
      setError(e);
    }
  };
  return (
    <div>
      <h1>Setup</h1>
      <p>
        Collector URL: <code>{collector}</code>
      </p>
      <p>
        <label>
          Write key, if the collector requires one:{' '}
          <input value={writeKey} onChange={(e) => setWriteKey(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
      </p>
      <h2>Script tag</h2>
      <pre>{`<script src="${location.origin}/sdk/telemetry-autocapture.min.js"></script>
<script>
  const t = Telemetry.createTelemetry({ url: '${collector}',${option('writeKey')} channel: 'my-channel',
    pdata: { id: 'my.app', ver: '1.0' }, env: 'home' });
  Telemetry.autocapture(t, { pageviews: true, clicks: true, interrupts: true, errors: true });
</script>`}</pre>
      <h2>npm</h2>
      <pre>{`import { createTelemetry } from '@telemetry/sdk';   // docs/sdk.md

const telemetry = createTelemetry({ url: '${collector}',${option('writeKey')} channel: 'my-channel',
  pdata: { id: 'my.app', ver: '1.0' } });`}</pre>
      <h2>Sunbird EkTelemetry (unchanged Sunbird pages)</h2>
      <pre>{`<script src="${location.origin}/sdk/telemetry-sunbird.min.js"></script>
<script>
  EkTelemetry.initialize({ host: '${location.origin}', endpoint: '/v1/telemetry',${option('authtoken')}
    pdata: { id: 'my.portal', ver: '1.0', pid: 'web' }, channel: 'my-channel', env: 'home' });
</script>`}</pre>
      <h2>Check the pipe</h2>
      <button type="button" onClick={() => void send()}>
        Send a test event
      </button>
      <p role="status" data-testid="setup-status">
        {status}
      </p>
      {error ? <ErrorPanel error={error} /> : null}
    </div>
  );
}
