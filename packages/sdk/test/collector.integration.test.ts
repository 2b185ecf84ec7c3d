/** The Node client against the real collector: gzip, file-backed queue, retries after a restart, exactly-once by mid. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startServer } from '@telemetry/server';
import { createTelemetry, fileStorage } from '../src/node.js';
import { sql, until } from './helpers.js';

test('Node client → collector: every event stored exactly once, including across an outage', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-int-'));
  const server = await startServer({
    port: 0,
    dataDir: path.join(dir, 'data'),
    logLevel: 'silent',
    adminToken: 'admin',
  });
  const storage = fileStorage(path.join(dir, 'queue'));
  try {
    const t = createTelemetry({
      url: server.url + '/v1/telemetry',
      storage,
      channel: 'node-int',
      pdata: { id: 'sdk.node.test', ver: '1' },
      env: 'server',
      batchSize: 50,
    });
    for (let i = 0; i < 120; i++) t.interact({ type: 'CLICK', id: 'button-' + i, extra: { pad: 'x'.repeat(40) } });
    t.log({ type: 'job', level: 'INFO', message: 'done' });
    await t.flush();
    await t.shutdown();
    assert.equal(t.stats().sent, 122, JSON.stringify(t.stats())); // + session START

    // An outage: the next client cannot reach the collector; its events wait in the file queue.
    const down = createTelemetry({
      url: 'http://127.0.0.1:9/v1/telemetry',
      storage,
      channel: 'node-int',
      pdata: { id: 'sdk.node.test', ver: '1' },
      env: 'server',
    });
    for (let i = 0; i < 5; i++) down.interact({ type: 'CLICK', id: 'offline-' + i });
    await down.flush();
    await down.shutdown();
    assert.equal(down.stats().sent, 0);
    // The collector already got some of them once (simulated lost ack): re-sending must not duplicate.
    const queued = JSON.parse(fs.readFileSync(path.join(dir, 'queue', 'telemetry%3Aqueue.json'), 'utf8'));
    assert.equal(queued.length, 5);
    const partial = {
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: 'lost-ack' },
      ets: Date.now(),
      events: queued.slice(0, 2),
    };
    const res = await fetch(server.url + '/v1/telemetry', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(partial),
    });
    assert.equal(res.status, 200);

    const up = createTelemetry({
      url: server.url + '/v1/telemetry',
      storage,
      channel: 'node-int',
      pdata: { id: 'sdk.node.test', ver: '1' },
      env: 'server',
    });
    await up.flush();
    await up.shutdown();

    const rows = await until(async () => {
      const r = await sql(
        server.url,
        "SELECT eid, count(*) AS n, count(DISTINCT mid) AS m FROM events WHERE channel = 'node-int' GROUP BY eid ORDER BY eid",
        'admin',
      );
      return JSON.stringify(r) ===
        JSON.stringify([
          ['INTERACT', 125, 125],
          ['LOG', 1, 1],
          ['START', 1, 1],
        ])
        ? r
        : undefined;
    }, 15_000).catch(async () => {
      throw new Error(JSON.stringify(await sql(server.url, 'SELECT eid, count(*) FROM events GROUP BY eid', 'admin')));
    });
    assert.ok(rows);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
