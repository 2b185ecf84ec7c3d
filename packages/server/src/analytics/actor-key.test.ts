// The normalised actor key (issue 13, Sunbird dimensions): insights count actor_key, Sunbird's pipeline rule over
// actor.id (an id starting with `f:` keeps the text after its last colon), while actor_id keeps what was sent.
// Every figure below is counted by hand from the events listed, once per rule (TELEMETRY_ACTOR_KEY).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config.js';
import { trendActors } from './actors-behind.js';
import { listEvents } from './events-feed.js';
import { runFunnels } from './funnels.js';
import { runRetention } from './retention.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';
import { runTrends } from './trends.js';

// 1 Jan: u1 views home federated from org1, then INTERACTs as plain u1; u2 views home; "F:org1:u3" (capital F: not
// federated) and u3 view home. 2 Jan: u1 views home federated from org2 and plainly; u2 views home as "f:a:b:u2"
// (more colons: the text after the last one).
const EVENTS: FixtureEvent[] = [
  { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'f:org1:u1' },
  { eid: 'INTERACT', at: '2024-01-01T10:05:00Z', actor: 'u1' },
  { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'u2' },
  { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', actor: 'F:org1:u3' },
  { eid: 'IMPRESSION', at: '2024-01-01T10:01:00Z', actor: 'u3' },
  { eid: 'IMPRESSION', at: '2024-01-02T10:00:00Z', actor: 'f:org2:u1' },
  { eid: 'IMPRESSION', at: '2024-01-02T11:00:00Z', actor: 'u1' },
  { eid: 'IMPRESSION', at: '2024-01-02T10:00:00Z', actor: 'f:a:b:u2' },
];
const dateRange = { from: '2024-01-01', to: '2024-01-02' };

const uniqueViewers = (f: Fixture) =>
  runTrends(f.store, {
    dateRange,
    series: [
      { eid: 'IMPRESSION', math: 'unique_actors' },
      { eid: '$all', math: 'unique_actors' },
    ],
    aggregate: 'range',
  }).then((r) => r.series.map((s) => ({ data: s.data, aggregated: s.aggregated })));
const funnel = (f: Fixture) =>
  runFunnels(f.store, { dateRange, steps: [{ eid: 'IMPRESSION' }, { eid: 'INTERACT' }] }).then((r) =>
    r.steps.map((s) => s.count),
  );
const retention = (f: Fixture) =>
  runRetention(f.store, {
    dateRange,
    startEvent: { eid: 'IMPRESSION' },
    returnEvent: { eid: 'IMPRESSION' },
    periods: 2,
  }).then((r) => r.cohorts.map((c) => [c.cohort, c.size, c.values]));

describe('federated (the default): f:org1:u1, f:org2:u1 and u1 are one actor', () => {
  let f: Fixture;
  before(async () => {
    f = await fixtureStore(EVENTS);
  });
  after(() => f.close());

  test('actor_id keeps what was sent; actor_key holds the rule', async () => {
    const rows = await f.store.query('SELECT DISTINCT actor_id, actor_key FROM events ORDER BY actor_id');
    assert.deepEqual(rows.rows, [
      ['F:org1:u3', 'F:org1:u3'],
      ['f:a:b:u2', 'u2'],
      ['f:org1:u1', 'u1'],
      ['f:org2:u1', 'u1'],
      ['u1', 'u1'],
      ['u2', 'u2'],
      ['u3', 'u3'],
    ]);
    const raw = await f.store.query('SELECT count(*) FROM events WHERE raw LIKE \'%"f:org1:u1"%\'');
    assert.equal(Number(raw.rows[0][0]), 1, 'the raw event is kept as received');
  });

  test('trends: unique actors per day and over the range count each key once', async () => {
    // IMPRESSION 1 Jan: u1, u2, F:org1:u3, u3; 2 Jan: u1, u2. All events 1 Jan: the same four (u1's INTERACT too).
    assert.deepEqual(await uniqueViewers(f), [
      { data: [4, 2], aggregated: 4 },
      { data: [4, 2], aggregated: 4 },
    ]);
  });

  test('funnels: the federated view and the plain INTERACT are one actor who converts', async () => {
    // Entered: u1, u2, F:org1:u3, u3; u1's INTERACT (10:05) follows its view (10:00).
    assert.deepEqual(await funnel(f), [4, 1]);
  });

  test('retention: u1 and u2 come back on 2 Jan under other ids', async () => {
    // Cohort 1 Jan: u1, u2, F:org1:u3, u3; back 2 Jan: u1, u2. Nobody is new on 2 Jan.
    assert.deepEqual(await retention(f), [
      ['2024-01-01', 4, [4, 2]],
      ['2024-01-02', 0, [0]],
    ]);
  });

  test("the drill-down lists keys, and the actor page's lookup finds every event of the key", async () => {
    const behind = await trendActors(
      f.store,
      { dateRange, series: [{ eid: 'IMPRESSION', math: 'unique_actors' }] },
      { series: 0, bucket: 1 },
    );
    assert.deepEqual(behind, {
      count: 2,
      actors: [
        { id: 'u1', events: 2 },
        { id: 'u2', events: 1 },
      ],
    });
    const page = await listEvents(f.store, { filters: { actor: 'u1' }, limit: 10 });
    assert.equal(page.items.length, 4, 'f:org1:u1, u1 (INTERACT), f:org2:u1, u1');
  });
});

describe('as-sent: every actor.id is its own actor', () => {
  let f: Fixture;
  before(async () => {
    f = await fixtureStore(EVENTS, { actorKey: 'as-sent' });
  });
  after(() => f.close());

  test('trends, funnels and retention count actor.id as sent', async () => {
    // IMPRESSION 1 Jan: f:org1:u1, u2, F:org1:u3, u3; 2 Jan: f:org2:u1, u1, f:a:b:u2 (7 over the range).
    // All events 1 Jan add u1's INTERACT: 5; the range: 7 (u1 already counted on 2 Jan).
    assert.deepEqual(await uniqueViewers(f), [
      { data: [4, 3], aggregated: 7 },
      { data: [5, 3], aggregated: 7 },
    ]);
    // u1's only view before its INTERACT is as f:org1:u1, another actor: nobody converts.
    assert.deepEqual(await funnel(f), [7, 0]);
    assert.deepEqual(await retention(f), [
      ['2024-01-01', 4, [4, 0]],
      ['2024-01-02', 3, [3]],
    ]);
  });
});

test('changing the rule of an existing store recomputes its keys', async () => {
  const f = await fixtureStore(EVENTS, { actorKey: 'as-sent' });
  try {
    const store = f.store as unknown as { setActorKey(rule: string): Promise<void> };
    await store.setActorKey('federated');
    assert.deepEqual(await funnel(f), [4, 1]);
    await store.setActorKey('as-sent');
    assert.deepEqual(await funnel(f), [7, 0]);
  } finally {
    await f.close();
  }
});

test('TELEMETRY_ACTOR_KEY: federated by default, as-sent when asked, anything else refused at start', () => {
  assert.equal(loadConfig({}).actorKey, 'federated');
  assert.equal(loadConfig({ TELEMETRY_ACTOR_KEY: 'as-sent' }).actorKey, 'as-sent');
  assert.throws(
    () => loadConfig({ TELEMETRY_ACTOR_KEY: 'Federated' }),
    /TELEMETRY_ACTOR_KEY must be federated or as-sent/,
  );
});
