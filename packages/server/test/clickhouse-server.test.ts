/**
 * The whole server on ClickHouse: two servers, one on DuckDB and one on ClickHouse (TELEMETRY_STORE=clickhouse://…),
 * sent the same simulated traffic (valid and rejected events, one batch re-sent) over HTTP. Once both have loaded
 * and summarized everything (/health), every read the dashboard makes — the home page, each insight, the events feed,
 * the rejected events and their summary, saved dashboards — answers alike. Runs against the real server
 * (scripts/clickhouse.sh), skipping only where it cannot be installed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DEDUP_SNAPSHOT_FILE } from '../src/ingest/dedup-snapshot.js';
import { simulate } from '../src/simulate/generate.js';
import { resolveParams } from '../src/simulate/params.js';
import { INVALID_EVENTS } from '../src/simulate/session.js';
import { eventually, postBatch, startTestServer } from './helpers.js';
import { clickHouseService } from './support/clickhouse.js';
import { readOk as read, settled, withoutReceiveTimes as strip } from './support/server-reads.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let duck: Server;
let house: Server;
// Closed before the service's own `after` drops this file's database (hooks run in the order registered).
after(async () => {
  await duck?.close();
  await house?.close();
});
const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
const dateRange = { from: '2026-11-01', to: '2026-11-10' };
/** The traffic's first batch, and how many of its events the collector rejects. */
let firstBatch: unknown[] = [];
let rejectedInFirst = 0;

/** Both servers' answers to one read, asserted equal but for what differs by design (withoutReceiveTimes); DuckDB's. */
async function same(path: string, body?: unknown): Promise<unknown> {
  const expected = strip(await read(duck, path, body));
  assert.deepEqual(strip(await read(house, path, body)), expected, path);
  return expected;
}

before(async () => {
  if (skip) return;
  duck = await startTestServer();
  house = await startTestServer({ store: (service as { storeUrl: string }).storeUrl });
  const events = [
    ...simulate(resolveParams({ users: 25, days: 10, acquisitionDays: 5, start: dateRange.from, seed: 3 })),
  ];
  const batches: unknown[][] = [];
  for (let i = 0; i < events.length; i += 40) batches.push(events.slice(i, i + 40));
  firstBatch = batches[0];
  rejectedInFirst = firstBatch.filter((e) => INVALID_EVENTS.has(e as never)).length;
  // The first batch again: a retry, answered as duplicates by both.
  for (const [i, batch] of [...batches, batches[0]].entries()) {
    const body = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: `b-${i}` }, events: batch };
    for (const server of [duck, house]) assert.equal((await postBatch(server, body)).status, 200);
  }
  await eventually(async () => (await settled(duck)) && (await settled(house)));
});
test('the same traffic is stored alike: events, rejected events and their summary', { skip }, async () => {
  const [[events]] = (
    (await read(house, '/api/sql', { query: 'SELECT count() FROM events FINAL' })) as { rows: number[][] }
  ).rows;
  assert.ok(Number(events) > 500, `the server on ClickHouse stored the traffic (${events} events)`);
  await same('/api/events?limit=100');
  await same('/api/failed-events?limit=100');
  // Rejected events are summarized by receive time (epoch ms): this last hour.
  const now = Date.now();
  const summary = (await same(`/api/failed-events/summary?from=${now - 3_600_000}&to=${now + 60_000}`)) as {
    total: number;
  };
  assert.ok(summary.total > 0, 'the traffic had rejected events');
});

test('the home page answers alike on both stores', { skip }, async () => {
  const home = (await same(`/api/home?from=${dateRange.from}&to=${dateRange.to}`)) as {
    sessions: { sessions: { count: number } };
  };
  assert.ok(home.sessions.sessions.count > 10, 'sessions were summarized');
  await same(`/api/home?from=${dateRange.from}&to=${dateRange.to}&timezone=Asia/Kolkata&flow=assignment`);
  await same(
    `/api/home?from=${dateRange.from}&to=${dateRange.to}&channel=eSamwad-android-app&app=com.himachal.esamwad`,
  );
});

test('every insight answers alike on both stores', { skip }, async () => {
  await same('/api/insights/sessions', { dateRange });
  await same('/api/insights/trends', { dateRange, series: [{ eid: 'IMPRESSION', math: 'unique_actors' }] });
  await same('/api/insights/funnels', { dateRange, steps: [{ eid: 'START' }, { eid: 'IMPRESSION' }, { eid: 'END' }] });
  await same('/api/insights/retention', { dateRange, startEvent: { eid: 'START' }, returnEvent: { eid: 'START' } });
  await same('/api/insights/paths', { dateRange });
  await same('/api/insights/stickiness', { dateRange, series: [{ eid: 'START' }] });
  await same('/api/insights/lifecycle', { dateRange, event: { eid: 'START' } });
});

test('a restart on ClickHouse starts from the de-duplication snapshot its clean stop saved', { skip }, async () => {
  const { dataDir } = house;
  await house.close();
  assert.ok(fs.existsSync(path.join(dataDir, DEDUP_SNAPSHOT_FILE)), 'the clean stop saved the snapshot');
  house = await startTestServer({ dataDir, store: (service as { storeUrl: string }).storeUrl });
  // The first batch once more, under a new msgid: every event of it is a duplicate the snapshot remembers.
  const body = { id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid: 'again' }, events: firstBatch };
  const { result } = (await (await postBatch(house, body)).json()) as {
    result: { stored: number; duplicates: number };
  };
  assert.deepEqual([result.stored, result.duplicates], [0, firstBatch.length - rejectedInFirst]);
});

test('saved dashboards alike on both stores', { skip }, async () => {
  for (const server of [duck, house]) {
    const { id } = (await write(server, 'POST', '/api/dashboards', { name: 'Teachers' })) as { id: string };
    const insight = {
      name: "Who's active",
      kind: 'trends',
      query: { dateRange, series: [{ eid: '$all', math: 'dau' }] },
    };
    await write(server, 'POST', `/api/dashboards/${id}/insights`, insight);
    await write(server, 'PATCH', `/api/dashboards/${id}`, { name: 'Teachers, by district' });
  }
  // Ids are random and creation times each server's: the rest must be equal.
  const boards = (server: Server) =>
    read(server, '/api/dashboards').then((json) =>
      JSON.parse(JSON.stringify(json, (key, value) => (key === 'id' || key === 'createdAt' ? undefined : value))),
    );
  const expected = await boards(duck);
  assert.equal(expected.dashboards.length, 1);
  assert.deepEqual(await boards(house), expected);
});

/** A write on `server` (a method with a JSON body), asserted 200; gives its answer. */
async function write(server: Server, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${method} ${path}: ${JSON.stringify(json)}`);
  return json;
}

test('what ClickHouse does not answer yet is a 400 naming it, not a 500', { skip }, async () => {
  const body = { dateRange, series: [{ eid: 'IMPRESSION' }], breakdown: { property: 'edata.extra.plan' } };
  await read(duck, '/api/insights/trends', body);
  const res = await fetch(`${house.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { params: { err: string; errmsg: string } };
  assert.equal(res.status, 400);
  assert.equal(json.params.err, 'QUERY_UNSUPPORTED');
  assert.match(json.params.errmsg, /^not yet supported on the ClickHouse store: the property edata\.extra\.plan/);
});
