/**
 * Clock skew (issue 9 H): a batch whose envelope `ets` (the client's send time) is off from the receive time by more
 * than TELEMETRY_CLOCK_SKEW_MS gets one offset; events.ets_corrected = ets + offset, while ets and raw keep what the
 * client sent. Within the bound, or without an envelope ets, nothing is corrected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { clockOffsetMs, DEFAULT_CLOCK_SKEW_MS } from '../src/ingest/clock-skew.js';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';

const DAY = 86_400_000;

describe('clockOffsetMs', () => {
  test('only a difference beyond the bound is an offset; a missing or nonsense send time is none', () => {
    assert.equal(clockOffsetMs(1_000_000, 1_000_000 + DAY, 60_000), -DAY);
    assert.equal(clockOffsetMs(1_000_000 + DAY, 1_000_000, 60_000), DAY);
    assert.equal(clockOffsetMs(1_000_000, 1_000_000 - 60_000, 60_000), 0, 'the bound itself is not skew');
    assert.equal(clockOffsetMs(1_000_000, 1_000_000 - 60_001, 60_000), 60_001);
    assert.equal(clockOffsetMs(1_000_000, 1_000_000 + 60_001, 60_000), -60_001);
    assert.equal(clockOffsetMs(1_000_000, 999_999.4 - 60_000, 60_000), 60_001, 'whole ms');
    for (const sent of [undefined, null, '1000', Number.NaN, Number.POSITIVE_INFINITY, 0, -5, 1e20, 253402300800000])
      assert.equal(clockOffsetMs(1_000_000, sent, 60_000), 0, String(sent));
  });

  test('the bound is TELEMETRY_CLOCK_SKEW_MS, one minute by default', () => {
    assert.equal(DEFAULT_CLOCK_SKEW_MS, 60_000);
    assert.equal(loadConfig({}).clockSkewMs, 60_000);
    assert.equal(loadConfig({ TELEMETRY_CLOCK_SKEW_MS: '5000' }).clockSkewMs, 5000);
  });
});

describe('the collector stores one correction per batch', { timeout: 300_000 }, () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    server = await startTestServer({ clockSkewMs: 10_000 });
  });
  after(() => server.close());

  async function send(envelopeEts: number | undefined, n: number, eventEts: (i: number) => number) {
    const events = Array.from({ length: n }, (_, i) => interact({ ets: eventEts(i) }));
    const batch: Record<string, unknown> = {
      id: 'api.sunbird.telemetry',
      ver: '3.0',
      params: { msgid: 'm-' + events[0].mid },
      events,
    };
    if (envelopeEts !== undefined) batch.ets = envelopeEts;
    const res = await postBatch(server, batch);
    assert.equal(res.status, 200);
    const mids = events.map((e) => `'${e.mid}'`).join(',');
    const q = `SELECT ets, ets_corrected, syncts, CAST(json_extract(raw, '$.ets') AS BIGINT) FROM events WHERE mid IN (${mids}) ORDER BY ets`;
    let rows: unknown[][] = [];
    await eventually(async () => {
      rows = await sql(server, q);
      return rows.length === n;
    }, 60_000);
    return rows.map((r) => r.map(Number));
  }

  test('a device a day ahead: ets kept, ets_corrected = ets + (received − sent), the same offset for each event', async () => {
    const sent = Date.now() + DAY;
    const rows = await send(sent, 3, (i) => sent - 5000 + i * 1000);
    for (const [i, [ets, corrected, syncts, rawEts]] of rows.entries()) {
      assert.equal(ets, sent - 5000 + i * 1000, 'ets is what the client sent');
      assert.equal(rawEts, ets, 'raw keeps it too');
      assert.equal(corrected, ets + (syncts - sent), 'one offset per batch');
      assert.ok(Math.abs(corrected - (syncts - 5000 + i * 1000)) < 2, 'corrected to the collector clock');
    }
  });

  test('a device a day behind is corrected forward', async () => {
    const sent = Date.now() - DAY;
    const [[ets, corrected, syncts]] = await send(sent, 1, () => sent);
    assert.equal(corrected - ets, syncts - sent);
    assert.ok(corrected - ets > DAY - 60_000);
  });

  test('within the bound, or without an envelope ets, ets_corrected = ets', async () => {
    // Sent 5 s "ahead": the time the request takes to arrive brings it closer, so a slow machine (up to 15 s from
    // here to the collector's clock) cannot push it past the 10 s bound; 9 s behind failed after a 1 s stall.
    const near = await send(Date.now() + 5000, 2, (i) => Date.now() - 20_000 + i);
    const none = await send(undefined, 2, (i) => Date.now() + DAY + i);
    for (const [ets, corrected] of [...near, ...none]) assert.equal(corrected, ets);
  });
});
