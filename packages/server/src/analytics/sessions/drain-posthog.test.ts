/**
 * Sessions follow Sunbird's rules over V3 events only (docs/posthog.md): a PostHog event on a V3 device's stream is
 * no part of its sessions, whichever drain reads it, and a stream of PostHog events alone has none (found by helper-34:
 * the drains read them, and migration 15 queued PostHog-only streams).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestStore, posthogEvent, T0, v3 } from '../../../test/sessions-fixtures.js';
import { MIGRATIONS } from '../../store/duckdb/migrations.js';
import type { Store } from '../../store/store.js';
import { drainSummaryQueue } from './drain.js';

const summaries = async (s: Store) =>
  (
    await s.query('SELECT did, type, start_time - $t0, end_time - $t0, event_count FROM summaries ORDER BY ALL', {
      t0: T0,
    })
  ).rows;

test('a PostHog event on a V3 stream counts in no session: drained in steps, or in one pass', async () => {
  const steps = await openTestStore();
  const once = await openTestStore();
  try {
    const first = [posthogEvent('d1', '$pageview', 0), v3('d1', 'INTERACT', 10)];
    const late = [v3('d1', 'INTERACT', 5)];
    await steps.load(first);
    await drainSummaryQueue(steps.store);
    await steps.load(late);
    await drainSummaryQueue(steps.store);
    await once.load([...first, ...late]);
    await drainSummaryQueue(once.store);
    // The implicit app summary of the two INTERACTs (5 s and 10 s), not of the $pageview at 0 s.
    assert.deepEqual(await summaries(once.store), [['d1', 'app', 5000, 10000, 2]]);
    assert.deepEqual(await summaries(steps.store), await summaries(once.store));
  } finally {
    await steps.store.close();
    await once.store.close();
  }
});

test('migration 15 queues no stream of PostHog events alone: they have no sessions, as in a fresh store', async () => {
  const { store, load } = await openTestStore();
  try {
    await load([
      posthogEvent('p1', '$pageview', 0),
      posthogEvent('p1', '$pageview', 10),
      posthogEvent('p1', '$autocapture', 20),
    ]);
    for (const sql of MIGRATIONS.find((m) => m.version === 15)?.sql ?? []) await store.query(sql);
    assert.deepEqual((await store.query('SELECT count(*) FROM summary_queue')).rows, [[0]]);
    await drainSummaryQueue(store);
    assert.deepEqual(await summaries(store), []);
  } finally {
    await store.close();
  }
});
