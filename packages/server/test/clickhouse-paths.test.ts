/**
 * Paths on the ClickHouse store against DuckDB's: the simulated data set loaded into both, with a re-sent copy of a
 * segment left unmerged in ClickHouse (test/support/parity-stores.ts; paths read FINAL, but a copy that sorts next to
 * its original would also fold as a repeated node, so this is not what shows FINAL is needed), then a table of queries and queries fast-check draws
 * (max steps × start or end point, page or event × filter × limit), each answered by runPaths on both stores and
 * compared whole with deepEqual. DuckDB computes paths with window functions, ClickHouse 18.16 with one array per
 * session (analytics/paths.ts). Runs against the real server (scripts/clickhouse.sh), skipping only where it cannot
 * be installed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { formatQueryErrors, type PathsQuery, parseInsight } from '@telemetry/query';
import fc from 'fast-check';
import { pathActors, runPaths } from '../src/analytics/paths.js';
import { eventLine, eventLinePrefix, frameGroup } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { parityStoresForFile } from './support/parity-stores.js';
import { openMemoryStore } from './support/store.js';
import { tempDir } from './temp-dir.js';

let duck: Store;
let house: Store;
const skip = parityStoresForFile('clickhouse-paths-', (stores) => {
  ({ duck, house } = stores);
});

/** The simulated traffic's days, with a margin; the fixed clock makes no answer depend on when the test runs. */
const dateRange = { from: '2023-12-30', to: '2024-01-14' };
const NOW = Date.parse('2024-02-01T00:00:00Z');

function pathsQuery(body: object): PathsQuery {
  const parsed = parseInsight('paths', { dateRange, ...body }, NOW);
  if (!parsed.ok) throw new Error(`not a paths query: ${formatQueryErrors(parsed.errors)}`);
  return parsed.value.query;
}

/** Both stores' answers to `body`, asserted equal; gives DuckDB's. */
async function samePaths(body: object) {
  const query = pathsQuery(body);
  const expected = await runPaths(duck, query, NOW);
  assert.deepEqual(await runPaths(house, query, NOW), expected, JSON.stringify(body));
  return expected;
}

/** The pages of the traffic, most viewed first (from DuckDB). */
async function pages(): Promise<string[]> {
  const { rows } = await duck.query(
    `SELECT edata_pageid FROM events WHERE eid = 'IMPRESSION' AND edata_pageid IS NOT NULL
     GROUP BY edata_pageid ORDER BY count(*) DESC, edata_pageid`,
  );
  return rows.map(([page]) => String(page));
}

test('the paths of every session are the same on both stores, with their steps, counts and order', {
  skip,
}, async () => {
  const answer = await samePaths({});
  assert.ok(answer.links.length > 5, `the traffic has paths (${answer.links.length} links)`);
  assert.ok(
    answer.nodes.some((n) => n.step === 5),
    'paths run to the default five steps',
  );
});

test('start and end pages and events, max steps, filters and limits give the same paths on both stores', {
  skip,
}, async () => {
  const [top, second, , fourth] = await pages();
  const table: object[] = [
    { maxSteps: 2 },
    { maxSteps: 10, limit: 500 },
    { startPage: top },
    { endPage: second },
    { startPoint: { page: fourth }, maxSteps: 3 },
    { endPoint: { page: top }, maxSteps: 7 },
    { startPoint: { event: { eid: 'INTERACT', label: 'tap' } } },
    { endPoint: { event: { eid: 'START' } }, maxSteps: 4 },
    { startPage: 'no-such-page' },
    { filters: [{ property: 'context.pdata.id', operator: 'eq', value: 'no-such-app' }] },
    { limit: 3 },
  ];
  for (const body of table) await samePaths(body);
  const started = await samePaths({ startPage: top });
  assert.ok(
    started.nodes.filter((n) => n.step === 1).every((n) => n.page === top),
    'a start page is every path’s first step',
  );
  const ended = await samePaths({ endPoint: { event: { eid: 'INTERACT', label: 'tap' } }, maxSteps: 4 });
  assert.ok(
    ended.nodes.some((n) => n.step === 4 && n.page === 'tap' && n.event === 'INTERACT'),
    'an end event is the last step',
  );
});

test('random paths queries get the same answer from both stores', { skip }, async () => {
  const known = (await pages()).slice(0, 6);
  const point = fc.oneof(
    fc.record({ page: fc.constantFrom(...known) }),
    fc.record({ event: fc.record({ eid: fc.constantFrom('INTERACT', 'START', 'END', 'IMPRESSION') }) }),
  );
  const body = fc.record(
    {
      maxSteps: fc.integer({ min: 2, max: 10 }),
      limit: fc.integer({ min: 1, max: 60 }),
      startPoint: point,
      endPoint: point,
      filters: fc.constantFrom(
        [{ property: 'context.env', operator: 'eq', value: 'home' }],
        [{ property: 'eid', operator: 'neq', value: 'INTERACT' }],
      ),
    },
    { requiredKeys: ['maxSteps'] },
  );
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      // One point at most (the parser refuses both).
      const { endPoint, ...rest } = b;
      await samePaths(b.startPoint ? rest : b);
    }),
    { numRuns: 40, seed: 14 },
  );
});

test('the actors along every link of a path are the same on both stores', { skip }, async () => {
  const [top, second] = await pages();
  for (const body of [{}, { startPage: top, maxSteps: 3 }, { endPoint: { page: second } }]) {
    const query = pathsQuery(body);
    const answer = await runPaths(duck, query, NOW);
    const links = answer.links.slice(0, 8);
    assert.ok(links.length > 0, `${JSON.stringify(body)} has links`);
    for (const link of links) {
      const expected = await pathActors(duck, query, { ...link, limit: 5 }, NOW);
      assert.ok(expected.count > 0, `someone took ${link.source} → ${link.target}`);
      assert.deepEqual(await pathActors(house, query, { ...link, limit: 5 }, NOW), expected, JSON.stringify(link));
    }
  }
  const query = pathsQuery({ endPoint: { event: { eid: 'INTERACT', label: 'tap' } }, maxSteps: 4 });
  const link = (await runPaths(duck, query, NOW)).links.find((l) => l.target.endsWith('_event:tap'));
  assert.ok(link, 'a link into the end event');
  assert.deepEqual(await pathActors(house, query, link, NOW), await pathActors(duck, query, link, NOW));
});

/**
 * Sessions where the actor changes from view to view (a shared tablet, a login in the middle), with a repeated page and
 * views in the same millisecond: the simulated traffic has one actor per session, so there any actor of a session
 * is the right one. The actor of a link is that of its target's first view in a run.
 */
const SHARED_DEVICE: [sid: string, ets: number, page: string, actor: string][] = [
  ['s1', 1_704_100_000_000, 'home', 'amma'],
  ['s1', 1_704_100_001_000, 'home', 'bala'],
  ['s1', 1_704_100_002_000, 'quiz', 'bala'],
  ['s1', 1_704_100_002_000, 'results', 'chitra'],
  ['s1', 1_704_100_003_000, 'home', 'chitra'],
  ['s1', 1_704_100_004_000, 'quiz', 'amma'],
  ['s2', 1_704_100_000_000, 'home', 'devi'],
  ['s2', 1_704_100_000_000, 'quiz', 'devi'],
  ['s2', 1_704_100_000_000, 'quiz', 'elango'],
  ['s2', 1_704_100_000_000, 'home', 'elango'],
  ['s2', 1_704_100_005_000, 'results', 'farah'],
];

test('the actors along a path are those of each link’s target, when the actor changes within a session', {
  skip,
}, async () => {
  const service = clickHouseService();
  if ('skip' in service) return;
  const spoolDir = path.join(tempDir('clickhouse-paths-shared-'), 'spool');
  fs.mkdirSync(spoolDir);
  const records = SHARED_DEVICE.map(([sid, ets, pageid, id], i) =>
    eventLine(
      eventLinePrefix({ syncts: ets + 1000 }),
      JSON.stringify({
        eid: 'IMPRESSION',
        ets,
        ver: '3.0',
        mid: `shared-${i}`,
        actor: { id, type: 'User' },
        context: { channel: 'school', did: 'tablet-1', sid, pdata: { id: 'app' }, env: 'home' },
        edata: { type: 'view', pageid },
      }),
    ),
  ).join('');
  const file = segmentFile(spoolDir, 1);
  fs.writeFileSync(file, frameGroup(records));
  const database = `${service.database}_shared`;
  const duckShared = await openMemoryStore({ spoolDir });
  const houseShared = await openStore({ url: `${service.storeUrl}_shared` });
  try {
    await duckShared.loadSegment(file, 1);
    await houseShared.loadSegment(file, 1);
    for (const body of [{ dateRange: { from: '2024-01-01', to: '2024-01-02' } }, { endPage: 'results' }]) {
      const query = pathsQuery(body);
      const answer = await runPaths(duckShared, query, NOW);
      assert.deepEqual(await runPaths(houseShared, query, NOW), answer);
      for (const link of answer.links) {
        const expected = await pathActors(duckShared, query, link, NOW);
        assert.deepEqual(await pathActors(houseShared, query, link, NOW), expected, JSON.stringify(link));
      }
    }
    // s1: home (amma; bala's repeat folded) → quiz (bala) → results (chitra) → home (chitra) → quiz (amma).
    const actors = await pathActors(duckShared, pathsQuery({}), { source: '1_home', target: '2_quiz' }, NOW);
    assert.deepEqual(actors.actors.map((a) => a.id).sort(), ['bala', 'devi']);
  } finally {
    await duckShared.close();
    await houseShared.close();
    await clickHouseText(service.httpUrl, `DROP DATABASE IF EXISTS ${database}`);
  }
});
