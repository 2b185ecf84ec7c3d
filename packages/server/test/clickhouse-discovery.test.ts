/**
 * Property discovery (the dashboard's pickers) on the ClickHouse store against DuckDB's: the parity data set
 * (test/support/parity-stores.ts, with a re-sent copy that only FINAL folds) in both, then the events and properties
 * seen and a property's top values, for a table of properties and for shapes fast-check draws (property × eid × limit
 * × days), compared whole with deepEqual; what ClickHouse cannot answer alike is refused by name. On both, the window
 * ends at now: with a clock in the middle of the traffic, the events after it are not counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dialectFor, SqlParams } from '../src/analytics/dialect/index.js';
import { discoverProperties, topValues } from '../src/analytics/property-discovery.js';
import type { Store } from '../src/store/store.js';
import { parityStoresForFile } from './support/parity-stores.js';

let duck: Store;
let house: Store;
const skip = parityStoresForFile('clickhouse-discovery-', (stores) => {
  ({ duck, house } = stores);
});

/** A fixed clock after the traffic (2024-01-01 to 2024-01-10): `days` picks how much of it is seen. */
const now = Date.parse('2024-01-12T00:00:00Z');

test('the events and properties seen are the same on both stores, each event counted once', { skip }, async () => {
  for (const days of [1, 5, 30]) {
    const expected = await discoverProperties(duck, { now, days });
    assert.deepEqual(await discoverProperties(house, { now, days }), expected, `days ${days}`);
  }
  const all = await discoverProperties(duck, { now, days: 30 });
  const [[events]] = (await duck.query('SELECT count(*) FROM events')).rows;
  assert.equal(
    all.events.reduce((a, e) => a + e.count, 0),
    Number(events),
  );
  assert.ok(
    all.properties.some((p) => p.path.startsWith('cdata.')),
    'cdata types seen',
  );
});

test('on both stores the window ends at now: events dated after it are not counted', { skip }, async () => {
  // A clock in the middle of the traffic: the events dated after it stand for those a client dated in the future.
  const mid = Date.parse('2024-01-05T00:00:00Z');
  const p = new SqlParams(dialectFor('duckdb'));
  const counts = `SELECT count(*) FILTER (WHERE ets >= ${p.int(mid - 30 * 86_400_000)} AND ets < ${p.int(mid)}),
    count(*) FROM events`;
  const [[inWindow, all]] = (await duck.query(counts, p.values)).rows.map((r) => r.map(Number));
  assert.ok(inWindow > 0 && inWindow < all, `${inWindow} of ${all} events before the clock`);
  const sum = (rows: { count: number }[]) => rows.reduce((a, r) => a + r.count, 0);
  for (const [name, store] of [
    ['duckdb', duck],
    ['clickhouse', house],
  ] as const) {
    assert.equal(sum((await discoverProperties(store, { now: mid, days: 30 })).events), inWindow, name);
    assert.equal(sum(await topValues(store, 'eid', { now: mid, days: 30, limit: 200 })), inWindow, name);
  }
});

/** String properties of every kind a picker offers: typed columns, tags, cdata. */
const PROPERTIES = [
  'eid',
  'context.env',
  'context.channel',
  'context.pdata.id',
  'edata.type',
  'edata.id',
  'edata.pageid',
  'actor.id',
  'tags',
  'cdata.UserSession',
  'cdata.Course',
  'context.rollup.l1',
];

test('top values of each property, with and without an eid, are the same on both stores', { skip }, async () => {
  for (const path of PROPERTIES)
    for (const eid of [undefined, '$all', 'INTERACT', 'IMPRESSION']) {
      const options = { now, days: 30, eid, limit: 200 };
      const expected = await topValues(duck, path, options);
      assert.deepEqual(await topValues(house, path, options), expected, `${path} ${eid}`);
    }
  assert.ok((await topValues(duck, 'edata.pageid', { now, days: 30 })).length > 1, 'pages seen');
});

test('top values of shapes drawn from a bounded space (property × eid × limit × days) agree', { skip }, async () => {
  const shape = fc.record({
    path: fc.constantFrom(...PROPERTIES),
    eid: fc.option(fc.constantFrom('$all', 'INTERACT', 'IMPRESSION', 'START', 'END', 'SEARCH'), { nil: undefined }),
    limit: fc.integer({ min: 1, max: 8 }),
    days: fc.integer({ min: 1, max: 14 }),
  });
  await fc.assert(
    fc.asyncProperty(shape, async ({ path, eid, limit, days }) => {
      const options = { now, days, eid, limit };
      assert.deepEqual(await topValues(house, path, options), await topValues(duck, path, options));
    }),
    { numRuns: 30, seed: 14 },
  );
});

test('top values ClickHouse cannot give as DuckDB does are refused by name, not answered differently', {
  skip,
}, async () => {
  for (const [path, what] of [
    ['edata.duration', /number property edata\.duration as text/],
    ['edata.extra.pos', /edata\.extra\.pos, read from the raw JSON/],
  ] as const) {
    await topValues(duck, path, { now, days: 30 });
    await assert.rejects(topValues(house, path, { now, days: 30 }), (error: Error) => {
      assert.equal(error.name, 'StoreError');
      assert.match(error.message, /^not yet supported on the ClickHouse store: /);
      assert.match(error.message, what);
      return true;
    });
  }
});
