/**
 * Property discovery: a property's top values narrowed by eid the way an insight's selector matches events (`$all`,
 * PostHog equivalents); the events, cdata types and values counted in the window [now - days, now).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { discoverProperties, topValues } from './property-discovery.js';
import { type Fixture, fixtureStore } from './test-fixture.js';

let f: Fixture;
const now = Date.parse('2024-01-02T00:00:00Z');
before(async () => {
  f = await fixtureStore([
    { eid: 'IMPRESSION', at: '2024-01-01T10:00:00Z', edata: { type: 'view', pageid: 'home' } },
    { eid: 'IMPRESSION', at: '2024-01-01T10:01:00Z', edata: { type: 'view', pageid: 'home' } },
    { eid: '$pageview', at: '2024-01-01T10:02:00Z', edata: { pageid: 'about' } },
    { eid: 'INTERACT', at: '2024-01-01T10:03:00Z', edata: { type: 'click', id: 'b', pageid: 'quiz' } },
  ]);
});
after(() => f.close());

test('top values: eid narrows them to what that eid selects in an insight; $all to every event', async () => {
  const values = (eid?: string) => topValues(f.store, 'edata.pageid', { eid, now, days: 7 });
  assert.deepEqual(await values('IMPRESSION'), [
    { value: 'home', count: 2 },
    { value: 'about', count: 1 }, // $pageview is IMPRESSION's PostHog equivalent (docs/posthog.md)
  ]);
  assert.deepEqual(await values('INTERACT'), [{ value: 'quiz', count: 1 }]);
  const every = [
    { value: 'home', count: 2 },
    { value: 'about', count: 1 },
    { value: 'quiz', count: 1 },
  ];
  assert.deepEqual(await values('$all'), every);
  assert.deepEqual(await values(), every);
});

test('events and top values count the window [now - days, now): none dated after now, none before it', async () => {
  // The collector stores events dated in the future (docs/ingestion.md); a client clock far ahead dates one 9999.
  const g = await fixtureStore([
    { eid: 'INTERACT', at: '2023-12-25T00:00:00Z', edata: { type: 'click', id: 'old' } }, // 8 days before now
    { eid: 'INTERACT', at: '2024-01-01T10:00:00Z', edata: { type: 'click', id: 'in' } },
    { eid: 'INTERACT', at: '2024-01-01T23:59:59.999Z', edata: { type: 'click', id: 'in' } },
    { eid: 'INTERACT', at: '2024-01-02T00:00:00Z', edata: { type: 'click', id: 'at-now' } }, // the window's end
    {
      eid: 'INTERACT',
      at: '9999-12-31T00:00:00Z',
      edata: { type: 'click', id: 'future' },
      cdata: [{ type: 'Late', id: 'x' }],
    },
  ]);
  try {
    const seen = await discoverProperties(g.store, { now, days: 7 });
    assert.deepEqual(seen.events, [{ eid: 'INTERACT', count: 2 }]);
    assert.ok(!seen.properties.some((p) => p.path === 'cdata.Late'), 'a cdata type seen only after now');
    assert.deepEqual(await topValues(g.store, 'edata.id', { now, days: 7, eid: 'INTERACT' }), [
      { value: 'in', count: 2 },
    ]);
    assert.deepEqual(await topValues(g.store, 'edata.id', { now, days: 9 }), [
      { value: 'in', count: 2 },
      { value: 'old', count: 1 },
    ]);
  } finally {
    await g.close();
  }
});
