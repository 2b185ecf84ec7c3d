/**
 * Honest health: /health answers 503 with reason codes from a fixed set while the loader is
 * further behind than TELEMETRY_HEALTH_MAX_LAG_MS, and 200 once it has caught up; /metrics shows
 * the loader's lag (seconds, bytes), its last error time and the quarantined events; and the freshness figures
 * (acknowledgement → visible, → summarized) count every acknowledged event once.
 * (A full disk's reasons are in disk-full.test.ts, a stop bounded in time in crash.test.ts.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { HEALTH_REASONS } from '../src/api/health.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { eventually, interact, postBatch, sql, startTestServer, tempDir } from './helpers.js';
import { writePoisonSegment } from './poison-segment.js';

interface Health {
  status: number;
  reasons: string[];
  details: Record<string, unknown>;
}

async function health(url: string): Promise<Health> {
  const response = await fetch(`${url}/health`);
  const body = (await response.json()) as { result: { reasons: string[]; details: Record<string, unknown> } };
  return { status: response.status, reasons: body.result.reasons, details: body.result.details };
}

function metric(text: string, name: string): number {
  return Number(
    text
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.split(' ')[1],
  );
}

test('/health is 503 loader_behind while the loader is behind its bound, 200 once caught up; /metrics agree', async () => {
  const dataDir = tempDir('health-');
  fs.mkdirSync(path.join(dataDir, 'spool'));
  const { poisonMids, bytes } = writePoisonSegment(segmentFile(path.join(dataDir, 'spool'), 1), 5000, 3);
  const server = await startTestServer({ dataDir, healthMaxLagMs: 1 });
  try {
    const behind = await health(server.url);
    assert.equal(behind.status, 503);
    assert.ok(behind.reasons.includes('loader_behind'), JSON.stringify(behind));
    for (const reason of behind.reasons) assert.ok((HEALTH_REASONS as readonly string[]).includes(reason));
    assert.equal(behind.details.spool_backlog_bytes, bytes);
    const during = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(metric(during, 'telemetry_loader_backlog_bytes'), bytes);
    assert.ok(metric(during, 'telemetry_loader_lag_seconds') > 0);

    // The answer that was 200 is the one checked: with a 1 ms bound, a summarizer run starting after it (the loads'
    // follow-up, or the periodic one) makes the next answer summarizer_stuck.
    let caughtUp: Health = behind;
    await eventually(async () => {
      caughtUp = await health(server.url);
      return caughtUp.status === 200;
    }, 120_000);
    assert.deepEqual(caughtUp.reasons, []);
    assert.equal(caughtUp.details.spool_backlog_bytes, 0);
    const after = await (await fetch(`${server.url}/metrics`)).text();
    assert.equal(metric(after, 'telemetry_loader_lag_seconds'), 0);
    assert.equal(metric(after, 'telemetry_loader_backlog_bytes'), 0);
    assert.equal(metric(after, 'telemetry_events_quarantined_total'), poisonMids.length);
    assert.equal(metric(after, 'telemetry_loader_last_error_timestamp_seconds'), 0, 'quarantine is not a failure');
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('freshness: every acknowledged event is counted once to visible and once to summarized; /health and /metrics agree', async () => {
  const server = await startTestServer();
  try {
    // Three batches (one re-sent: its events are duplicates, acknowledged before and not counted again).
    const batches = [4, 6, 5].map((n, b) =>
      Array.from({ length: n }, (_, i) => interact({ mid: `fresh-${b}-${i}`, ets: Date.now() - 60_000 + i })),
    );
    for (const events of [...batches, batches[0]]) {
      const res = await postBatch(server, { id: 'api.sunbird.telemetry', ver: '3.0', events });
      assert.equal(res.status, 200);
    }
    const sent = 15;
    const metrics = async () => (await (await fetch(`${server.url}/metrics`)).text()) as string;
    await eventually(async () => metric(await metrics(), 'telemetry_summarized_delay_seconds_count') === sent);
    const text = await metrics();
    assert.equal(metric(text, 'telemetry_visible_delay_seconds_count'), sent);
    assert.equal(metric(text, 'telemetry_events_unloaded'), 0);
    assert.equal(metric(text, 'telemetry_events_unsummarized'), 0);
    const { status, details } = await health(server.url);
    assert.equal(status, 200);
    assert.equal(details.unloaded_events, 0);
    assert.equal(details.unsummarized_events, 0);
    const visible = details.visible_p99_ms as number;
    const summarized = details.summarized_p99_ms as number;
    // Each event is loaded before it is summarized; both take a positive time and the p99 gauges are those figures.
    assert.ok(visible > 0 && summarized >= visible, JSON.stringify(details));
    assert.equal(metric(text, 'telemetry_visible_delay_p99_seconds'), visible / 1000);
    assert.equal(metric(text, 'telemetry_summarized_delay_p99_seconds'), summarized / 1000);
    // The histograms' sums are in seconds: at most every event at the slowest delay.
    assert.ok(metric(text, 'telemetry_visible_delay_seconds_sum') <= (sent * visible) / 1000 + 1e-9);
    assert.deepEqual(await sql(server, 'SELECT count(*) FROM events'), [[sent]]);
    // The server's event loop is watched from the start (metrics/event-loop.ts): a tick every 20 ms.
    assert.ok(metric(text, 'telemetry_event_loop_delay_seconds_count') > 0, 'event loop delay sampled');
  } finally {
    await server.close();
  }
});

test('/health probes the spool: unhealthy before any request fails, healthy again by itself once it is writable', async () => {
  const server = await startTestServer();
  const spool = path.join(server.dataDir, 'spool');
  try {
    // Root ignores chmod, so the spool directory is replaced by a file: nothing can be created in it.
    fs.renameSync(spool, `${spool}.away`);
    fs.writeFileSync(spool, '');
    const unwritable = await health(server.url);
    assert.equal(unwritable.status, 503, 'before any request has failed');
    assert.deepEqual(unwritable.reasons, ['spool_unavailable']);
    const batch = { id: 'api.sunbird.telemetry', ver: '3.0', events: [interact()] };
    assert.equal((await postBatch(server, batch)).status, 503);

    // The cause removed, and no traffic: the next probe (at most 2 s later) writes, and /health is healthy again.
    fs.rmSync(spool);
    fs.renameSync(`${spool}.away`, spool);
    await eventually(async () => (await health(server.url)).status === 200, 10_000);
    assert.deepEqual((await health(server.url)).reasons, []);
    assert.equal((await postBatch(server, batch)).status, 200);
  } finally {
    await server.close();
  }
});
