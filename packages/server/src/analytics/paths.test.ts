import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runPaths } from './paths.js';
import { type Fixture, type FixtureEvent, fixtureStore } from './test-fixture.js';

// Sessions of page views (a repeat of the same page is one step; other events are ignored):
// s1 home, home, search, content, home · s2 home, search, content · s3 search, home · s4 home, (INTERACT), content
function views(sid: string, pages: string[], startMinute: number): FixtureEvent[] {
  return pages.map((page, i) => ({
    eid: 'IMPRESSION',
    at: `2024-01-01T10:${String(startMinute + i).padStart(2, '0')}:00Z`,
    actor: sid,
    sid,
    edata: { pageid: page },
  }));
}

let f: Fixture;
before(async () => {
  f = await fixtureStore([
    ...views('s1', ['home', 'home', 'search', 'content', 'home'], 0),
    ...views('s2', ['home', 'search', 'content'], 10),
    ...views('s3', ['search', 'home'], 20),
    ...views('s4', ['home'], 30),
    { eid: 'INTERACT', at: '2024-01-01T10:31:00Z', actor: 's4', sid: 's4', edata: { id: 'x' } },
    ...views('s4', ['content'], 32),
  ]);
});
after(() => f.close());

const dateRange = { from: '2024-01-01', to: '2024-01-01' };

test('paths: step-numbered transitions, strongest first, as Sankey nodes and links', async () => {
  assert.deepEqual(await runPaths(f.store, { dateRange }), {
    nodes: [
      { id: '1_home', step: 1, page: 'home' },
      { id: '1_search', step: 1, page: 'search' },
      { id: '2_content', step: 2, page: 'content' },
      { id: '2_home', step: 2, page: 'home' },
      { id: '2_search', step: 2, page: 'search' },
      { id: '3_content', step: 3, page: 'content' },
      { id: '4_home', step: 4, page: 'home' },
    ],
    links: [
      { source: '1_home', target: '2_search', value: 2 },
      { source: '2_search', target: '3_content', value: 2 },
      { source: '1_home', target: '2_content', value: 1 },
      { source: '1_search', target: '2_home', value: 1 },
      { source: '3_content', target: '4_home', value: 1 },
    ],
  });
});

test('paths: flows from a start page', async () => {
  const result = await runPaths(f.store, { dateRange, startPage: 'search' });
  assert.deepEqual(result.links, [
    { source: '1_search', target: '2_content', value: 2 },
    { source: '1_search', target: '2_home', value: 1 },
    { source: '2_content', target: '3_home', value: 1 },
  ]);
});

test('paths: flows into an end page, which is always the last step', async () => {
  const result = await runPaths(f.store, { dateRange, endPage: 'content', maxSteps: 3 });
  assert.deepEqual(result.links, [
    { source: '1_home', target: '2_search', value: 2 },
    { source: '2_search', target: '3_content', value: 2 },
    { source: '2_home', target: '3_content', value: 1 },
  ]);
});
