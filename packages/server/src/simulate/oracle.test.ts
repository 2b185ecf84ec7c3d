/**
 * The simulator as a test oracle: simulated traffic loaded through the fast path, then the
 * insights must give back the generator's ground truth exactly, and the generator's parameters
 * within sampling error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openMemoryStore } from '../../test/support/store.js';
import { tempDir } from '../../test/temp-dir.js';
import { runFunnels } from '../analytics/funnels.js';
import { runPaths } from '../analytics/paths.js';
import { runRetention } from '../analytics/retention.js';
import { drainSummaryQueue } from '../analytics/sessions/index.js';
import { runSessions } from '../analytics/sessions-insight.js';
import type { Store } from '../store/store.js';
import { simulate } from './generate.js';
import { funnelQuerySteps, resolveParams, type SimulationParams } from './params.js';
import { assertRate } from './test-support.js';
import { GroundTruth, type TruthSummary } from './truth.js';
import { receivedBy, writeToStore } from './write-store.js';

const dateRange = { from: '2024-01-01', to: '2024-02-25' };
let dir: string;
let store: Store;
let params: SimulationParams;
let truth: TruthSummary;

before(async () => {
  dir = tempDir('simulate-oracle-');
  const spoolDir = path.join(dir, 'spool');
  store = await openMemoryStore({ spoolDir });
  params = resolveParams({ users: 2500, seed: 7, start: '2024-01-01' });
  const gt = new GroundTruth(params);
  // Small segments, so the test also crosses segment boundaries and overlapping loads.
  await writeToStore(simulate(params, gt), {
    store,
    spoolDir,
    receivedAt: receivedBy(Date.parse('2024-03-01')),
    segmentEvents: 60_000,
  });
  truth = gt.summary();
});
after(async () => {
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('every generated event is stored once, by eid', async () => {
  const rows = (await store.query('SELECT eid, count(*), count(DISTINCT mid) FROM events GROUP BY eid')).rows;
  const stored = Object.fromEntries(rows.map(([eid, n, _mids]) => [eid, Number(n)]));
  assert.deepEqual(stored, truth.eventsByEid);
  for (const [eid, n, mids] of rows) assert.equal(mids, n, `${eid}: duplicate mids`);
  const failed = (await store.query("SELECT count(*) FILTER (reason = 'invalid_schema'), count(*) FROM failed_events"))
    .rows[0];
  assert.deepEqual(failed.map(Number), [truth.invalid, truth.invalid]);
  assert.ok(truth.invalid > 0);
  assert.equal(await store.checkpoint(), Math.ceil(truth.events / 60_000));
  assert.deepEqual(fs.readdirSync(path.join(dir, 'spool')), [], 'segment files are removed once loaded');
});

test('funnel counts equal the ground truth, and step conversion matches the rates', async () => {
  const steps = funnelQuerySteps(params);
  const result = await runFunnels(store, { steps, dateRange, windowSeconds: 3600 });
  assert.deepEqual(
    result.steps.map((s) => s.count),
    truth.funnelReached,
  );
  assertRate(truth.funnelReached[0], truth.users, params.funnelRates[0], 'entered');
  for (let i = 1; i < result.steps.length; i++) {
    assertRate(result.steps[i].count, result.steps[i - 1].count, params.funnelRates[i], `step ${i + 1}`);
    assert.equal(result.steps[i].stepConversionRate, result.steps[i].count / result.steps[i - 1].count);
  }
});

test('weekly retention equals the ground truth cohorts, and returns match the retention rates', async () => {
  const start = { eid: 'START' };
  const result = await runRetention(store, {
    startEvent: start,
    returnEvent: start,
    period: 'week',
    periods: 8,
    dateRange,
  });
  const answered = result.cohorts.filter((c) => c.size > 0).map((c) => ({ week: c.cohort, values: c.values }));
  const expected = truth.cohorts.map((c) => ({ week: c.week, values: c.active.slice(0, 8) }));
  assert.deepEqual(answered, expected);
  for (let k = 1; k < 8; k++) {
    const reached = truth.cohorts.filter((c) => c.active.length > k);
    const trials = reached.reduce((n, c) => n + c.users, 0);
    const returned = reached.reduce((n, c) => n + c.active[k], 0);
    assertRate(returned, trials, params.retention[Math.min(k - 1, params.retention.length - 1)], `week ${k}`);
  }
});

test('sessions: one summary per simulated session and per user', async () => {
  await drainSummaryQueue(store);
  const answer = await runSessions(store, { dateRange });
  assert.equal(answer.sessions.count, truth.sessions);
  assert.equal(answer.sessions.actors, truth.users);
});

test('paths: every session opens on the home screen', async () => {
  const result = await runPaths(store, { dateRange, maxSteps: 4 });
  const first = result.nodes.filter((n) => n.step === 1).map((n) => n.page);
  assert.deepEqual(first, ['home']);
  const fromHome = result.links.filter((l) => l.source === '1_home').reduce((n, l) => n + l.value, 0);
  assert.ok(fromHome > 0 && fromHome <= truth.sessions);
});
