/** A property's top values narrowed by eid the way an insight's selector matches events: `$all`, PostHog equivalents. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { topValues } from './property-discovery.js';
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
