// The loader's after-load run (pipeline.ts) drains the summary queue, then refreshes the kept session paths
// (analytics/session-paths.ts). A refresh that fails (it runs out of memory on one very large session:
// src/analytics/session-paths-big-session.test.ts) must not make /health report drained events as unsummarized.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interact, postBatch, startTestServer } from './helpers.js';

test('a failing session-paths refresh leaves /health’s summarizer figures true', async () => {
  const server = await startTestServer();
  try {
    // Every refresh now fails, as one out of memory does; the drain is untouched.
    await server.store.write([{ sql: 'ALTER TABLE session_paths RENAME TO session_paths_away' }]);
    for (let i = 0; i < 3; i++) {
      const events = [interact(), interact({ eid: 'IMPRESSION', edata: { type: 'view', pageid: 'home', uri: '/' } })];
      const response = await postBatch(server, {
        id: 'api.sunbird.telemetry',
        ver: '3.0',
        params: { msgid: `paths-health-${process.pid}-${i}` },
        events,
      });
      assert.equal(response.status, 200);
      await server.loader.idle();
    }
    const [[queued]] = (await server.store.query('SELECT count(*) FROM summary_queue')).rows;
    assert.equal(Number(queued), 0, 'the summary queue is drained');
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      result: { details: { unsummarized_events: number } };
    };
    assert.equal(health.result.details.unsummarized_events, 0);
  } finally {
    await server.close();
  }
});
