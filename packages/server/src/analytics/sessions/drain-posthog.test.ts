/**
 * Sessions follow Sunbird's rules over V3 events only (docs/posthog.md): a PostHog event on a V3 device's stream is
 * no part of its sessions, whichever drain reads it, and a stream of PostHog events alone has none (found by helper-34:
 * the drains read them, and migration 15 queued PostHog-only streams).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { T0, v3 } from '../../../test/sessions-fixtures.js';
import { openMemoryStore } from '../../../test/support/store.js';
import { tempDir } from '../../../test/temp-dir.js';
import { eventLine, eventLinePrefix, foreignEventLine } from '../../spool/segment-format.js';
import { MIGRATIONS } from '../../store/duckdb/migrations.js';
import type { Store } from '../../store/store.js';
import { drainSummaryQueue } from './drain.js';

let uuids = 0;
/** A PostHog event as the collector spools it, on the stream of v3(did) (channel ch1, pdata app.web). */
function posthog(did: string, event: string, seconds: number) {
  const mid = `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`;
  const columns = {
    eid: event,
    ets: T0 + seconds * 1000,
    mid,
    actor: { id: `u-${did}` },
    context: { sid: `s-${did}`, did, pdata: { id: 'app.web', ver: '1' } },
    edata: {},
  };
  return {
    posthog: true,
    eid: event,
    mid,
    columns: JSON.stringify(columns),
    raw: JSON.stringify({ event, uuid: mid }),
  };
}

/** A store fed through real spool segments of V3 and PostHog events. */
async function openMixedStore() {
  const dir = tempDir('drain-posthog-');
  const store = await openMemoryStore({ spoolDir: dir });
  let segment = 0;
  const load = async (events: object[]) => {
    const file = path.join(dir, `seg-${++segment}.log`);
    const prefix = eventLinePrefix({ syncts: T0 });
    const line = (e: object) =>
      'posthog' in e
        ? foreignEventLine({ syncts: T0, channel: 'ch1' }, e as ReturnType<typeof posthog>)
        : eventLine(prefix, JSON.stringify(e));
    fs.writeFileSync(file, events.map(line).join(''));
    await store.loadSegment(file, segment);
  };
  return { store, load };
}

const summaries = async (s: Store) =>
  (
    await s.query('SELECT did, type, start_time - $t0, end_time - $t0, event_count FROM summaries ORDER BY ALL', {
      t0: T0,
    })
  ).rows;

test('a PostHog event on a V3 stream counts in no session: drained in steps, or in one pass', async () => {
  const steps = await openMixedStore();
  const once = await openMixedStore();
  try {
    const first = [posthog('d1', '$pageview', 0), v3('d1', 'INTERACT', 10)];
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
  const { store, load } = await openMixedStore();
  try {
    await load([posthog('p1', '$pageview', 0), posthog('p1', '$pageview', 10), posthog('p1', '$autocapture', 20)]);
    for (const sql of MIGRATIONS.find((m) => m.version === 15)?.sql ?? []) await store.query(sql);
    assert.deepEqual((await store.query('SELECT count(*) FROM summary_queue')).rows, [[0]]);
    await drainSummaryQueue(store);
    assert.deepEqual(await summaries(store), []);
  } finally {
    await store.close();
  }
});
