/**
 * The failed-events listing (events-feed.ts listFailedEvents) and the data-quality summary (failed-summary.ts) on the
 * ClickHouse store against DuckDB's: the same pages, page by page through the cursor, for every reason and several
 * limits, and the same summary for several ranges and scopes. The data: the parity segments (support/parity-segments.ts)
 * plus a segment of rejected events of many reasons, several received at one time, without a mid or sharing one, with
 * JSON that is invalid or reads unusually (numbers, nested values, repeated keys) where the summary reads it. Then
 * every load is retried in ClickHouse as after a crash before its marker, with that table's merges stopped, so its
 * rows are there twice until a merge and only `FINAL` folds them.
 *
 * Not the parity stores' re-sent copy of segment 1 (parity-stores.ts): a rejected event re-sent through another
 * collector is a new failed_events row on both engines (DuckDB stores it again too), so it would be in one store only.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BadCursor, type FailedEvent, type FeedPage, listFailedEvents } from '../src/analytics/events-feed.js';
import { failedSummary } from '../src/analytics/failed-summary.js';
import { batchLine, eventLine, eventLinePrefix, failedLine, frameGroup } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import type { Store } from '../src/store/store.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { writeParitySegments } from './support/parity-segments.js';
import { loadBothStores } from './support/parity-stores.js';
import { tempDir } from './temp-dir.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;

let duck: Store;
let house: Store;
let close: () => Promise<void> = async () => {};

/** 2024-01-02T10:00:00Z and 2024-01-04T23:59:59.999Z: inside the parity data's days, and the last ms of a day. */
const T1 = 1_704_189_600_000;
const T2 = 1_704_412_799_999;

/** Rejected events that test the listing's order and cursor, and the summary's reading of their JSON. */
function rejectedRecords(): string {
  const context = (channel: string, pdata: string) => `"context":{"channel":${channel},"pdata":${pdata}}`;
  const rejected: { syncts: number; mid?: string; eid?: string; reason: string; raw: string }[] = [
    // Received at one time (one request): the listing orders them by load order.
    {
      syncts: T1,
      mid: 'r-1',
      eid: 'IMPRESSION',
      reason: 'invalid_schema',
      raw: `{"eid":"IMPRESSION",${context('"c1"', '{"id":"app","ver":3.0}')}}`,
    },
    { syncts: T1, mid: undefined, eid: undefined, reason: 'not_object', raw: '[1,2,3]' },
    {
      syncts: T1,
      mid: 'r-1',
      eid: 'IMPRESSION',
      reason: 'invalid_schema',
      raw: `{"eid":"IMPRESSION",${context('"c1"', '{"id":"app","ver":3.0}')}}`,
    },
    {
      syncts: T1,
      mid: 'r-3',
      eid: 'INTERACT',
      reason: 'duplicate_key',
      raw: `{"eid":"INTERACT",${context('"c2"', '{"id":"app","id":"other","ver":"2"}')},"context":{}}`,
    },
    {
      syncts: T1,
      mid: 'r-4',
      eid: 'INTERACT',
      reason: 'invalid_number',
      raw: `{"eid":"INTERACT",${context('1E5', '{"id":"app","ver":1e400}')}}`,
    },
    {
      syncts: T1,
      mid: 'r-5',
      eid: 'LOG',
      reason: 'too_deep',
      raw: `{"eid":"LOG",${context('{"a": [1, {"b": null}],}', '{"id":"app"}')},"edata":${'['.repeat(40)}${']'.repeat(40)}}`,
    },
    {
      syncts: T1,
      mid: undefined,
      eid: undefined,
      reason: 'invalid_unicode',
      raw: `{"eid":"START",${context('"c1"', '{"id":"app","ver":"\\ud800"}')}}`,
    },
    {
      syncts: T1 + 1,
      mid: 'r-6',
      eid: 'START',
      reason: 'unknown_eid',
      raw: `{"eid":"START",${context('"c1"', '{"id":"web","ver":"1.2"}')}}`,
    },
    {
      syncts: T2,
      mid: 'r-7',
      eid: 'FOO',
      reason: 'unknown_eid',
      raw: `{"eid":"FOO",${context('"c\\u00e9"', '{"id":"web"}')}}`,
    },
    { syncts: T2, mid: 'r-8', eid: 'FOO', reason: 'unknown_eid', raw: 'not JSON {' },
    {
      syncts: T2,
      mid: 'r-9',
      eid: 'END',
      reason: 'too_large',
      raw: `{"eid":"END",${context('"c1"', '{"id":"web","ver":"1.2"}')},"x":"${'x'.repeat(5000)}"}`,
    },
    {
      syncts: T2 + 1,
      mid: 'r-10',
      eid: 'END',
      reason: 'invalid_ets',
      raw: `{"eid":"END",${context('null', '{"id":null,"ver":"1"}')}}`,
    },
  ];
  // More of them over four days, some received at one time: enough values that the summary's top 20 cuts its lists.
  const reasons = ['invalid_schema', 'unknown_eid', 'too_large', 'duplicate_key'];
  for (let k = 0; k < 48; k++) {
    const eid = `E${k % 25}`;
    const raw = `{"eid":"${eid}",${context(`"ch-${k % 23}"`, `{"id":"app-${k % 3}","ver":${k % 2 ? `"${k % 4}"` : k % 5}}`)}}`;
    rejected.push({
      syncts: T1 - 86_400_000 + Math.floor(k / 3) * 21_600_000,
      mid: `g-${k}`,
      eid,
      reason: reasons[k % 4],
      raw,
    });
  }
  let records = '';
  for (const r of rejected) {
    records += failedLine(
      { syncts: r.syncts, msgid: 'batch-rejected' },
      { mid: r.mid, eid: r.eid, reason: r.reason, errors: [`${r.reason}: at /`], raw: r.raw },
    );
  }
  // A stored event beside them, at T1: rows of other tables in the same load.
  const event = {
    eid: 'START',
    ets: T1 - 1000,
    mid: 'ok-1',
    ver: '3.0',
    actor: { id: 'u', type: 'User' },
    context: { channel: 'c1', pdata: { id: 'app', ver: '1', pid: 'w' }, env: 'home', did: 'd', sid: 's' },
    edata: { type: 'app' },
  };
  records += eventLine(eventLinePrefix({ syncts: T1 }), JSON.stringify(event));
  return records + batchLine({ syncts: T1 }, 'batch-rejected', rejected.length + 1);
}

before(async () => {
  if ('skip' in service) return;
  const spoolDir = path.join(tempDir('clickhouse-failed-'), 'spool');
  fs.mkdirSync(spoolDir);
  const files = writeParitySegments(spoolDir);
  const extra = segmentFile(spoolDir, files.length + 1);
  fs.writeFileSync(extra, frameGroup(rejectedRecords()));
  files.push(extra);
  const stores = await loadBothStores(service, spoolDir, files, []);
  ({ duck, house } = stores);
  close = () => stores.close();
  // Every load retried as after a crash between its rows and its marker: each failed_events row twice, unmerged.
  await clickHouseText(service.httpUrl, `SYSTEM STOP MERGES ${service.database}.failed_events`);
  await clickHouseText(service.httpUrl, `TRUNCATE TABLE ${service.database}.loaded_segments`);
  for (const [i, file] of files.entries()) await house.loadSegment(file, i + 1);
});
after(() => close());

/** Every page of a listing, following `next` from the first page. */
async function allPages(store: Store, options: { reason?: string; limit: number }): Promise<FeedPage<FailedEvent>[]> {
  const pages: FeedPage<FailedEvent>[] = [];
  let before: string | undefined;
  do {
    const page = await listFailedEvents(store, { ...options, before });
    pages.push(page);
    before = page.next;
    assert.ok(pages.length < 1000, 'the listing ends');
  } while (before);
  return pages;
}

test('the data has rejected events of several reasons, and ClickHouse holds each row twice until FINAL folds them', {
  skip,
}, async () => {
  const reasons = (await duck.query('SELECT reason, count(*) FROM failed_events GROUP BY reason ORDER BY reason')).rows;
  assert.ok(reasons.length >= 8, JSON.stringify(reasons));
  const counts = await house.query(
    'SELECT (SELECT count() FROM failed_events), (SELECT count() FROM failed_events FINAL)',
  );
  const total = reasons.reduce((sum, [, n]) => sum + Number(n), 0);
  assert.deepEqual(counts.rows, [[2 * total, total]]);
});

test('the listing: every page the same on both stores, for every reason and several limits', { skip }, async () => {
  const reasons = (await duck.query('SELECT DISTINCT reason FROM failed_events ORDER BY reason')).rows.map(([r]) =>
    String(r),
  );
  let compared = 0;
  for (const reason of [undefined, ...reasons, 'above_level']) {
    for (const limit of reason === undefined ? [1, 2, 5, 50, 500] : [1, 3, 500]) {
      const [expected, actual] = await Promise.all([
        allPages(duck, { reason, limit }),
        allPages(house, { reason, limit }),
      ]);
      const label = `reason ${reason}, limit ${limit}`;
      // Cursors are each engine's own (DuckDB's rowid, ClickHouse's load segment, place and writer): the pages agree.
      assert.deepEqual(
        actual.map((page) => page.items),
        expected.map((page) => page.items),
        label,
      );
      for (const page of expected.slice(0, -1)) assert.match(String(page.next), /^\d+:\d+$/, label);
      for (const page of actual.slice(0, -1)) assert.match(String(page.next), /^\d+:\d+:\d+:\d+$/, label);
      compared += expected.flatMap((page) => page.items).length;
    }
  }
  const all = (await allPages(duck, { limit: 500 }))[0].items;
  assert.ok(all.length > 50 && compared > 5 * all.length, `${all.length} rows, ${compared} compared`);
  // Rows received at one time, in load order from the last loaded: the listing's order among ties.
  assert.deepEqual(
    all.filter((f) => f.syncts === T1).map((f) => f.reason),
    // The last three: generated ones (k = 12, 13, 14), later in the segment.
    [
      'too_large',
      'unknown_eid',
      'invalid_schema',
      'invalid_unicode',
      'too_deep',
      'invalid_number',
      'duplicate_key',
    ].concat(['invalid_schema', 'not_object', 'invalid_schema']),
  );
});

test("a cursor of the other engine's shape is refused (BadCursor, a 400 at the API)", { skip }, async () => {
  const duckNext = (await listFailedEvents(duck, { limit: 1 })).next as string;
  const houseNext = (await listFailedEvents(house, { limit: 1 })).next as string;
  await assert.rejects(listFailedEvents(house, { limit: 1, before: duckNext }), BadCursor);
  await assert.rejects(listFailedEvents(duck, { limit: 1, before: houseNext }), BadCursor);
});

test('the data-quality summary: the same on both stores over several ranges and scopes', { skip }, async () => {
  const whole = await failedSummary(duck, 0, 2e12);
  assert.ok(whole.byReason.length > 1 && whole.total > 50 && whole.byEid.length === 20, JSON.stringify(whole.byReason));
  // JSON read as DuckDB reads it: a real with `.0`, an escape decoded (the summary of the two times they were sent).
  const [atT1, atT2] = await Promise.all([failedSummary(duck, T1, T1 + 1), failedSummary(duck, T2, T2 + 1)]);
  assert.ok(
    atT1.byAppVersion.some((a) => a.value === 'app@3.0'),
    JSON.stringify(atT1.byAppVersion),
  );
  assert.ok(
    atT2.byChannel.some((c) => c.value === 'cé'),
    JSON.stringify(atT2.byChannel),
  );
  const ranges = [
    [0, 2e12],
    [Date.parse('2024-01-01'), Date.parse('2024-01-03')],
    [T1, T1 + 1],
    [T1 + 1, T2 + 1],
    [T2, Date.parse('2024-01-05')],
    [Date.parse('2030-01-01'), Date.parse('2030-02-01')],
  ];
  const scopes = [
    {},
    { channel: 'c1' },
    { app: 'app' },
    { channel: 'c1', app: 'web' },
    { channel: 'none' },
    { app: '' },
  ];
  for (const [from, to] of ranges) {
    for (const scope of scopes) {
      const [expected, actual] = await Promise.all([
        failedSummary(duck, from, to, scope),
        failedSummary(house, from, to, scope),
      ]);
      assert.deepEqual(actual, expected, `${from}..${to} ${JSON.stringify(scope)}`);
    }
  }
});
