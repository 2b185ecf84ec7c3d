/**
 * `/api/properties` offers PostHog events' own properties (`properties.<key>`) to the dashboard's pickers, as it
 * offers cdata types: the keys seen in the window's PostHog events, each usable as a filter or breakdown path.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';

const KEY = 'phc_properties';
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ posthogKeys: { [KEY]: 'ph-channel' } });
});
after(async () => {
  await server?.close();
});

async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("PostHog events' property keys are offered as properties.<key>, and each reads its values", async () => {
  const now = new Date().toISOString();
  const event = (properties: Record<string, unknown>) => ({
    event: '$pageview',
    distinct_id: 'user-ph',
    uuid: randomUUID(),
    timestamp: now,
    properties,
  });
  const batch = [
    event({ $current_url: 'https://example.org/a', plan: 'pro', 'dotted.key': 'x', nested: { tier: 'gold' } }),
    event({ $current_url: 'https://example.org/b', plan: 'free', cohort_size: 12 }),
  ];
  const answer = await fetch(`${server.url}/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: KEY, batch }),
  });
  assert.equal(answer.status, 200);
  // A V3 event carrying a top-level `properties` object of its own is not PostHog's: its keys are not offered.
  const v3 = interact({ ets: Date.now(), properties: { v3_only: 'no' } });
  assert.equal((await postBatch(server, { events: [v3] })).status, 200);
  await eventually(async () => Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]) === 3);

  const { status, body } = await get('/api/properties?days=7');
  assert.equal(status, 200);
  const paths = (body.properties as { path: string; type: string }[]).map((p) => p.path);
  const offered = paths.filter((p) => p.startsWith('properties.'));
  // `dotted.key` cannot be named by a path (a path splits at the dot); `nested` is an object, named by its own key.
  assert.deepEqual(offered, [
    'properties.$current_url',
    'properties.cohort_size',
    'properties.nested',
    'properties.plan',
  ]);

  const values = await get('/api/properties?days=7&property=properties.plan');
  assert.equal(values.status, 200);
  assert.deepEqual(values.body.values, [
    { value: 'free', count: 1 },
    { value: 'pro', count: 1 },
  ]);
});

test('a store without PostHog events offers no properties.<key>', async () => {
  const empty = await startTestServer();
  try {
    assert.equal(
      (await postBatch(empty, { events: [interact({ ets: Date.now(), properties: { v3_only: 'no' } })] })).status,
      200,
    );
    await eventually(async () => Number((await sql(empty, 'SELECT count(*) FROM events'))[0][0]) === 1);
    const answer = await fetch(`${empty.url}/api/properties`);
    const paths = ((await answer.json()) as { properties: { path: string }[] }).properties.map((p) => p.path);
    assert.ok(paths.includes('context.channel'));
    assert.deepEqual(
      paths.filter((p) => p.startsWith('properties.')),
      [],
    );
  } finally {
    await empty.close();
  }
});
