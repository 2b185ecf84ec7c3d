/**
 * GET /api/home against the insights it stands for: on a simulated store, every figure of the one
 * answer equals the answer of the insight query it names (`queries`), for all channels and apps,
 * one channel and app, and a time zone; a second request is answered from the answer cache; bad
 * parameters are a 400 naming the parameter. A property test checks DAU/WAU/MAU (active days'
 * covers in analytics/home.ts) against the trends insight on random actors and days; the
 * edata_size column (migration 13) equals the JSON reading of edata.size.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { HomeAnswer, TrendsResult } from '@telemetry/query';
import fc from 'fast-check';
import { dialectFor, SqlParams } from '../src/analytics/dialect/index.js';
import { runHome } from '../src/analytics/home.js';
import { propertyNumber, validatedProperty } from '../src/analytics/properties.js';
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { runSessions } from '../src/analytics/sessions-insight.js';
import { fixtureStore } from '../src/analytics/test-fixture.js';
import { runTrends } from '../src/analytics/trends.js';
import { simulateCommand } from '../src/commands/simulate.js';
import { MIGRATIONS } from '../src/store/duckdb/migrations.js';
import { eventually, interact, postBatch, sql, startTestServer, tempDir } from './helpers.js';
import { openTestStore, T0, v3 } from './sessions-fixtures.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let dataDir: string;

async function call<T>(path: string, body?: unknown): Promise<{ status: number; cache: string | null; json: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, cache: res.headers.get('x-answer-cache'), json: (await res.json()) as T };
}
const ok = async <T>(path: string, body?: unknown) => {
  const r = await call<T>(path, body);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.json)}`);
  return r.json;
};
const total = (d: (number | null)[]) => d.reduce<number>((a, v) => a + (v ?? 0), 0);

before(async () => {
  dataDir = tempDir('home-');
  assert.equal(await simulateCommand(['--data-dir', dataDir, '--users', '60', '--days', '45', '--seed', '11']), 0);
  server = await startTestServer({ dataDir });
});
after(async () => {
  await server?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Every figure of `home` equals the insight answer of the query it names. */
async function assertEqualsInsights(home: HomeAnswer): Promise<void> {
  const q = home.queries;
  const active = await ok<TrendsResult>('/api/insights/trends', q.active);
  assert.deepEqual(active.buckets, home.active.buckets);
  assert.deepEqual(
    active.series.map((s) => s.data),
    [home.active.dau, home.active.wau, home.active.mau],
  );
  for (const [figure, query] of [
    [home.pages, q.pages],
    [home.interactions, q.interactions],
  ] as const) {
    const trend = await ok<TrendsResult>('/api/insights/trends', query);
    assert.deepEqual(
      figure,
      trend.series.filter((l) => !l.other).map((l) => ({ value: l.breakdownValue ?? null, count: l.total })),
    );
  }
  const feedback = await ok<TrendsResult>('/api/insights/trends', q.feedback);
  assert.deepEqual(home.feedback, {
    ratingSum: total(feedback.series[0].data),
    ratings: total(feedback.series[1].data),
  });
  const searches = await ok<TrendsResult>('/api/insights/trends', q.searches);
  assert.deepEqual(home.searches, {
    searches: total(searches.series[0].data),
    zeroResults: total(searches.series[1].data),
  });
  const signals = await ok<TrendsResult>('/api/insights/trends', q.signals);
  assert.deepEqual(
    [home.signals.interrupts, home.signals.shares, home.signals.errors],
    signals.series.map((s) => total(s.data)),
  );
  assert.deepEqual(home.sessions, await ok('/api/insights/sessions', q.sessions));
  assert.deepEqual(home.funnel, await ok('/api/insights/funnels', q.funnel));
}

describe('GET /api/home', () => {
  test('every figure equals its insight: all channels, one channel and app, a time zone and a flow', async () => {
    const all = await ok<HomeAnswer>('/api/home?from=-30d');
    assert.ok(total(all.active.dau) > 0 && all.pages.length > 0 && all.sessions.sessions.count > 0, 'demo data');
    assert.ok(all.searches.searches > 0 && all.feedback.ratings > 0, 'the demo has searches and ratings');
    await assertEqualsInsights(all);
    const [channel] = (await ok<{ values: { value: string }[] }>('/api/properties?property=context.channel')).values;
    const [app] = (await ok<{ values: { value: string }[] }>('/api/properties?property=context.pdata.id')).values;
    const one = await ok<HomeAnswer>(
      `/api/home?from=-14d&channel=${encodeURIComponent(channel.value)}&app=${encodeURIComponent(app.value)}`,
    );
    assert.ok(total(one.active.dau) <= total(all.active.dau));
    await assertEqualsInsights(one);
    await assertEqualsInsights(await ok<HomeAnswer>('/api/home?from=-10d&timezone=Asia/Kolkata&flow=library'));
  });

  test('rejected events: only those of the chosen channel and app', async () => {
    // Rejected (a string ets) with their channel and app in the JSON: two in (c1, a1), one in (c1, a2), one in (c2, a1).
    const bad = (channel: string, app: string) =>
      interact({ ets: 'soon', context: { ...(interact().context as object), channel, pdata: { id: app, ver: '1' } } });
    const events = [bad('rej-c1', 'rej-a1'), bad('rej-c1', 'rej-a1'), bad('rej-c1', 'rej-a2'), bad('rej-c2', 'rej-a1')];
    const response = await postBatch(server, { id: 'api.sunbird.telemetry', ver: '3.0', params: {}, events });
    assert.equal(response.status, 200);
    await eventually(
      async () =>
        Number((await sql(server, "SELECT count(*) FROM failed_events WHERE raw LIKE '%rej-c_%'"))[0][0]) === 4,
    );
    const failed = async (qs: string) => (await ok<HomeAnswer>(`/api/home?from=-1d&${qs}`)).failed;
    const one = await failed('channel=rej-c1&app=rej-a1');
    assert.equal(one.total, 2);
    assert.deepEqual(one.byChannel, [{ value: 'rej-c1', count: 2 }]);
    assert.equal((await failed('channel=rej-c1')).total, 3);
    assert.equal((await failed('app=rej-a1')).total, 2 + 1);
    assert.ok((await failed('flow=library')).total >= 4, 'no channel or app: every rejected event');
  });

  test('the same question again comes from the answer cache', async () => {
    // Asked twice in a row until the pair falls within one minute and one load (either moves the cache on).
    const url = '/api/home?from=-7d&flow=assignment';
    await eventually(async () => {
      await ok(url);
      const again = await call<HomeAnswer>(url);
      assert.equal(again.status, 200);
      return again.cache === 'hit';
    }, 10_000);
  });

  test('bad parameters: a 400 naming the parameter', async () => {
    for (const [qs, path] of [
      ['from=yesterday', 'from'],
      ['flow=nope', 'flow'],
      ['colour=red', 'colour'],
      ['timezone=Mars/Base', 'timezone'],
    ]) {
      const r = await call<{ params: { err: string; errmsg: string } }>(`/api/home?${qs}`);
      assert.equal(r.status, 400, qs);
      assert.equal(r.json.params.err, 'QUERY_INVALID');
      assert.match(r.json.params.errmsg, new RegExp(path), qs);
    }
    const r = await call<{ params: { err: string; errmsg: string } }>('/api/home?from=2026-02-30');
    assert.equal(r.status, 400);
    assert.equal(r.json.params.errmsg, 'from: 2026-02-30 is not a date (February 2026 has 28 days)');
  });
});

test('DAU/WAU/MAU from runs of active days equal the trends insight (random actors, events and days)', async () => {
  const now = Date.parse('2024-03-31T12:00:00Z');
  const visit = fc.record({
    // f:x:a is actor a by Sunbird's federated-id rule (events.actor_key): counted as a.
    actor: fc.constantFrom('a', 'b', 'c', 'd', 'f:x:a'),
    // Any event makes its actor active, a server-side LOG too.
    eid: fc.constantFrom('IMPRESSION', 'INTERACT', 'LOG'),
    day: fc.integer({ min: 0, max: 75 }),
    hour: fc.integer({ min: 0, max: 23 }),
  });
  await fc.assert(
    fc.asyncProperty(
      fc.array(visit, { minLength: 1, maxLength: 40 }),
      fc.constantFrom('-7d', '-20d', '-45d'),
      fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York'),
      async (visits, from, timezone) => {
        const f = await fixtureStore(
          visits.map((v) => ({
            eid: v.eid,
            actor: v.actor,
            at: new Date(now - v.day * 86_400_000 - v.hour * 3_600_000).toISOString(),
            edata: { type: 'view', pageid: 'home' },
          })),
        );
        try {
          const home = await runHome(f.store, { from, timezone }, now);
          const trend = await runTrends(f.store, home.queries.active, now);
          assert.deepEqual(
            [home.active.dau, home.active.wau, home.active.mau],
            trend.series.map((s) => s.data),
          );
        } finally {
          await f.close();
        }
      },
    ),
    { numRuns: 25 },
  );
  // By hand: a actor with page views on 30 March, b with only a click on 31 March: one active actor each day.
  const f = await fixtureStore([
    { eid: 'IMPRESSION', actor: 'a', at: '2024-03-30T10:00:00Z', edata: { type: 'view', pageid: 'home' } },
    { eid: 'INTERACT', actor: 'b', at: '2024-03-31T10:00:00Z', edata: { type: 'click', id: 'x' } },
  ]);
  try {
    const home = await runHome(f.store, { from: '-2d' }, now);
    assert.deepEqual(
      [home.active.dau, home.active.wau],
      [
        [0, 1, 1],
        [0, 1, 2],
      ],
    );
  } finally {
    await f.close();
  }
});

test('a session dated after now is left out of the sessions figure, as DAU leaves its actor out', async () => {
  // The collector stores events dated in the future (docs/ingestion.md): d2's session starts on 2027-01-01.
  const now = T0 + 3_600_000;
  const future = (Date.parse('2027-01-01T10:00:00Z') - T0) / 1000;
  const { store, load } = await openTestStore();
  try {
    await load([
      v3('d1', 'START', 0, { type: 'app' }),
      v3('d1', 'IMPRESSION', 10, { type: 'view', pageid: 'home' }),
      v3('d1', 'END', 60, { type: 'app' }),
      v3('d2', 'START', future, { type: 'app' }),
      v3('d2', 'IMPRESSION', future + 10, { type: 'view', pageid: 'home' }),
      v3('d2', 'END', future + 60, { type: 'app' }),
    ]);
    await drainSummaryQueue(store);
    assert.equal((await runSessions(store, { dateRange: { from: '-7d' } }, now)).sessions.count, 2, 'both stored');
    const home = await runHome(store, { from: '-7d' }, now);
    assert.equal(home.to, new Date(now).toISOString());
    assert.deepEqual(home.active.dau.at(-1), 1);
    assert.equal(home.sessions.sessions.count, 1);
    assert.equal(home.sessions.sessions.actors, 1);
    assert.deepEqual(home.pages, [{ value: 'home', count: 1 }]);
    // Every echoed query ends where the answer does, so each figure is still its insight's answer.
    for (const query of Object.values(home.queries)) assert.equal(query.dateRange?.to, 'now');
    assert.deepEqual(home.sessions, await runSessions(store, home.queries.sessions, now));
  } finally {
    await store.close();
  }
});

test('events.edata_size: loaded and migrated as the JSON reading of edata.size reads it, whatever was sent', async () => {
  const sizes: unknown[] = [0, '0', 0.0, 3, '12', -1, 'x', '', true, null, { n: 1 }, [0], 1e21, '1e3', undefined];
  const f = await fixtureStore(
    sizes.map((size, i) => ({
      eid: 'SEARCH',
      at: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      edata: size === undefined ? { query: 'q' } : { query: 'q', size },
    })),
  );
  try {
    const p = new SqlParams(dialectFor('duckdb'));
    const reading = propertyNumber(validatedProperty('edata.size'), p);
    const compare = `SELECT count(*), count(*) FILTER (edata_size IS NOT DISTINCT FROM ${reading}),
      count(*) FILTER (edata_size = 0) FROM events`;
    assert.deepEqual((await f.store.query(compare, p.values)).rows, [[sizes.length, sizes.length, 3]]);
    // The migration's backfill, over every row at once (duckdb-store.ts runs it a slice of rows at a time).
    const backfill = MIGRATIONS.flatMap((m) => m.backfill ?? []).filter((b) => b.set.startsWith('edata_size ='));
    assert.equal(backfill.length, 1);
    await f.store.query('UPDATE events SET edata_size = NULL');
    for (const { table, set } of backfill) await f.store.query(`UPDATE ${table} SET ${set}`);
    assert.deepEqual((await f.store.query(compare, p.values)).rows, [[sizes.length, sizes.length, 3]]);
  } finally {
    await f.close();
  }
});
