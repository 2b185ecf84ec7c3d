/**
 * Several collectors loading into one ClickHouse store at once, checked against a DuckDB server: two servers on one
 * store URL, writers 0 and 1 (TELEMETRY_WRITER_ID), each sent half the simulated traffic, and re-sent batches crossing
 * to the other collector; a DuckDB server sent all of it. Once every server has loaded and summarized (each one's
 * /health, the non-summarizing collector's included), both collectors answer every read as the DuckDB server does: no
 * acknowledged event lost, none counted twice, one summarizer's sessions. Used by clickhouse-collectors.test.ts (one
 * server) and clickhouse-cluster.test.ts (two shards).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { simulate } from '../../src/simulate/generate.js';
import { resolveParams } from '../../src/simulate/params.js';
import { eventually, postBatch, sql, startTestServer } from '../helpers.js';
import { readOk as read, readTail, settled, withoutReceiveTimes as strip } from './server-reads.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/**
 * Registers the suite's hooks and tests on the store `service()` gives (called after the hook that closes the
 * servers is registered: hooks run in the order registered, and the service's own `after` drops or stops it).
 * Returns the collectors and the DuckDB server, for a file's own tests (set once `before` has run).
 */
export function collectorsSuite<S extends { storeUrl: string } | { skip: string }>(
  service: () => S,
): { service: S; skip: string | false; collectors: () => Server[]; duck: () => Server } {
  let duck: Server;
  let collectors: Server[] = [];
  /** A live tail on collector 0, opened before any traffic. */
  let tail: Response;
  // Closed before the service's own `after` drops this file's database (hooks run in the order registered).
  after(async () => {
    for (const server of [duck, ...collectors]) await server?.close();
  });
  const ready = service();
  const skip = 'skip' in ready ? ready.skip : false;
  const dateRange = { from: '2026-10-01', to: '2026-10-08' };

  /** Every collector's answer to one read equals the DuckDB server's, but for each server's own receive times. */
  async function same(path: string, body?: unknown): Promise<unknown> {
    const expected = strip(await read(duck, path, body));
    for (const [writer, server] of collectors.entries())
      assert.deepEqual(strip(await read(server, path, body)), expected, `${path} on writer ${writer}`);
    return expected;
  }

  before(async () => {
    if (skip) return;
    const store = (ready as { storeUrl: string }).storeUrl;
    duck = await startTestServer();
    collectors = [await startTestServer({ store, writerId: 0 }), await startTestServer({ store, writerId: 1 })];
    tail = await fetch(`${collectors[0].url}/api/events/live`);
    assert.equal(tail.status, 200);
    const events = [
      ...simulate(resolveParams({ users: 30, days: 8, acquisitionDays: 4, start: dateRange.from, seed: 7 })),
    ];
    const batches: unknown[][] = [];
    for (let i = 0; i < events.length; i += 40) batches.push(events.slice(i, i + 40));
    // Each batch through one collector, first one's half, then (once it is loaded) the other's: a collector whose loads
    // were judged by another's checkpoint would skip its own. Then the first few again through the other collector, as
    // a client's retry after a timeout may reach another collector behind a load balancer.
    const rounds = [
      batches.map((batch, i) => ({ batch, i, to: 0 })).filter(({ i }) => i % 2 === 0),
      batches.map((batch, i) => ({ batch, i, to: 1 })).filter(({ i }) => i % 2 === 1),
      batches.slice(0, 6).map((batch, i) => ({ batch, i: batches.length + i, to: (i + 1) % 2 })),
    ];
    for (const round of rounds) {
      for (const { batch, i, to } of round) {
        const body = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: `b-${i}` }, events: batch };
        for (const server of [duck, collectors[to]]) assert.equal((await postBatch(server, body)).status, 200);
      }
      await eventually(async () => (await settled(collectors[0])) && (await settled(collectors[1])));
    }
    await eventually(
      async () => (await settled(duck)) && (await settled(collectors[0])) && (await settled(collectors[1])),
    );
  });

  test('both collectors loaded, each as its own writer; the store holds each event once', { skip }, async () => {
    const byWriter = await sql(collectors[0], 'SELECT writer, count() FROM events GROUP BY writer ORDER BY writer');
    assert.deepEqual(
      byWriter.map(([writer]) => Number(writer)),
      [0, 1],
      `rows of both writers: ${JSON.stringify(byWriter)}`,
    );
    const [[expected]] = await sql(duck, 'SELECT count(*) FROM events');
    for (const server of collectors) {
      const [[stored]] = await sql(server, 'SELECT count() FROM events FINAL');
      assert.equal(Number(stored), Number(expected));
    }
    await same('/api/events?limit=200');
    await same('/api/failed-events?limit=200');
    const now = Date.now();
    await same(`/api/failed-events/summary?from=${now - 3_600_000}&to=${now + 60_000}`);
  });

  test('one summarizer for both: sessions and the home page as DuckDB answers them', { skip }, async () => {
    const sessions = (await same('/api/insights/sessions', { dateRange })) as { sessions: { count: number } };
    assert.ok(JSON.stringify(sessions).length > 100);
    const home = (await same(`/api/home?from=${dateRange.from}&to=${dateRange.to}`)) as {
      sessions: { sessions: { count: number } };
    };
    assert.ok(home.sessions.sessions.count > 10, 'sessions were summarized');
  });

  test('every insight answers alike through either collector', { skip }, async () => {
    await same('/api/insights/trends', { dateRange, series: [{ eid: '$all', math: 'dau' }, { eid: 'IMPRESSION' }] });
    await same('/api/insights/funnels', {
      dateRange,
      steps: [{ eid: 'START' }, { eid: 'IMPRESSION' }, { eid: 'END' }],
    });
    await same('/api/insights/retention', { dateRange, startEvent: { eid: 'START' }, returnEvent: { eid: 'START' } });
    await same('/api/insights/paths', { dateRange });
    await same('/api/insights/stickiness', { dateRange, series: [{ eid: 'START' }] });
    await same('/api/insights/lifecycle', { dateRange, event: { eid: 'START' } });
  });

  test("a live tail on one collector sends every event, the other collector's included, once each", {
    skip,
  }, async () => {
    const stored = (await sql(collectors[0], 'SELECT mid FROM events FINAL')).map(([mid]) => String(mid)).sort();
    const received = (await readTail(tail, stored.length + 1, 10_000)).map(({ mid }) => mid).sort();
    assert.deepEqual(received, stored);
  });

  return { service: ready, skip, collectors: () => collectors, duck: () => duck };
}
