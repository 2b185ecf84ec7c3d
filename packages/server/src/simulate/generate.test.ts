import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { validateEvent } from '@telemetry/spec';
import { generateUser, simulate } from './generate.js';
import { expectedFunnel, expectedRetention, resolveParams } from './params.js';
import { INVALID_EVENTS, type SimEvent } from './session.js';
import { assertRate } from './test-support.js';
import { GroundTruth } from './truth.js';

/** A fixed wall clock (a Wednesday, mid-morning UTC), so default ranges and the cut are reproducible. */
const NOW = Date.parse('2026-03-04T10:00:00Z');

function digest(events: Iterable<SimEvent>): string {
  const hash = createHash('sha256');
  for (const e of events) hash.update(JSON.stringify(e));
  return hash.digest('hex');
}

test('the same parameters and seed give the same events; another seed gives others', () => {
  const p = resolveParams({ users: 40 }, NOW);
  assert.equal(digest(simulate(p)), digest(simulate(p)));
  assert.notEqual(digest(simulate(p)), digest(simulate(resolveParams({ users: 40, seed: 43 }, NOW))));
});

test('a user depends only on the seed and its index, so --events and --users runs agree', () => {
  const byUsers = resolveParams({ users: 30 }, NOW);
  const byEvents = resolveParams({ targetEvents: 1000 }, NOW);
  const truth = new GroundTruth(byEvents);
  const events = [...simulate(byEvents, truth)];
  assert.ok(truth.events >= 1000 && truth.events === events.length);
  assert.ok(
    truth.events - generateUser(byEvents, truth.users - 1).events.length < 1000,
    'stops at the first user past',
  );
  const same = [...simulate({ ...byUsers, users: truth.users })];
  assert.equal(digest(events), digest(same));
});

test("every simulated event is valid V3, but for the broken release's invalid IMPRESSIONs", () => {
  const counts: Record<string, number> = {};
  let invalid = 0;
  for (const event of simulate(resolveParams({ users: 60 }, NOW))) {
    const result = validateEvent(JSON.parse(JSON.stringify(event)));
    // The broken release's IMPRESSIONs are invalid on purpose, and only they.
    assert.equal(result.valid, !INVALID_EVENTS.has(event), `${event.eid} ${JSON.stringify(result)}`);
    if (!result.valid) invalid++;
    counts[event.eid] = (counts[event.eid] ?? 0) + 1;
  }
  for (const eid of [
    'START',
    'IMPRESSION',
    'INTERACT',
    'SEARCH',
    'FEEDBACK',
    'SHARE',
    'ERROR',
    'ASSESS',
    'INTERRUPT',
    'END',
  ]) {
    assert.ok(counts[eid] > 0, `no ${eid} in the sample`);
  }
  assert.ok(invalid > 0, 'the release after releaseDay sends some invalid IMPRESSIONs');
});

test('sessions are START … END in time order, one sid each, mids unique, within the simulated days', () => {
  const p = resolveParams({ users: 80, start: '2024-01-01' }, NOW);
  const truth = new GroundTruth(p, { keepUsers: true });
  const mids = new Set<string>();
  const sessions = new Map<string, SimEvent[]>();
  for (const e of simulate(p, truth)) {
    mids.add(e.mid);
    const list = sessions.get(e.context.sid) ?? [];
    list.push(e);
    sessions.set(e.context.sid, list);
  }
  assert.equal(mids.size, truth.events);
  assert.equal(sessions.size, truth.sessions);
  const from = Date.parse('2024-01-01T00:00:00Z');
  const to = from + 56 * 86_400_000;
  for (const [sid, events] of sessions) {
    assert.equal(events[0].eid, 'START', sid);
    assert.equal(events.at(-1)!.eid, 'END', sid);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].ets > events[i - 1].ets, `${sid} out of order`);
    assert.ok(events[0].ets >= from && events.at(-1)!.ets < to);
    // A session never crosses midnight UTC, so day and week buckets see it whole.
    assert.equal(Math.floor(events[0].ets / 86_400_000), Math.floor(events.at(-1)!.ets / 86_400_000));
  }
  assert.equal(truth.perUser!.length, 80);
});

test('by default the traffic ends now: today is the last day, no event after the wall clock', () => {
  const p = resolveParams({ users: 400 }, NOW);
  assert.equal(p.start, '2026-01-08', '56 days ending on the day of NOW');
  assert.equal(p.until, NOW);
  const truth = new GroundTruth(p, { keepUsers: true });
  const events = [...simulate(p, truth)];
  const s = truth.summary();
  assert.ok(s.lastEts < NOW, 'nothing after the wall clock');
  assert.ok(s.firstEts >= Date.parse('2026-01-08T00:00:00Z'));
  const today = Date.parse('2026-03-04T00:00:00Z');
  assert.ok(
    events.some((e) => e.ets >= today),
    'sessions earlier today are kept',
  );
  assert.ok(
    events.some((e) => e.ets >= NOW - 7 * 86_400_000 && e.eid === 'START'),
    'the last 7 days have sessions',
  );
  // The cut drops sessions whole: every session still opens with START and closes with END, and the
  // truth describes what was emitted.
  const bySid = new Map<string, string[]>();
  for (const e of events) bySid.set(e.context.sid, [...(bySid.get(e.context.sid) ?? []), e.eid]);
  for (const eids of bySid.values()) assert.deepEqual([eids[0], eids.at(-1)], ['START', 'END']);
  assert.equal(bySid.size, s.sessions);
  assert.equal(events.length, s.events);
  assert.equal(
    truth.perUser!.reduce((n, u) => n + u.sessions, 0),
    s.sessions,
  );
  // The same run without the cut has more sessions on the last day, and agrees on every earlier event.
  const uncut = [...simulate({ ...p, until: Number.POSITIVE_INFINITY })];
  assert.ok(uncut.some((e) => e.ets >= NOW));
  const mids = new Set(events.map((e) => e.mid));
  assert.deepEqual(
    uncut.filter((e) => e.ets < today && mids.has(e.mid)).length,
    events.filter((e) => e.ets < today).length,
  );
});

test('funnel depth and weekly returns match the parameters within sampling error', () => {
  const p = resolveParams(
    { users: 6000, start: '2024-01-01', funnelRates: [0.9, 0.5, 0.3], retention: [0.6, 0.4, 0.2] },
    NOW,
  );
  const truth = new GroundTruth(p);
  for (const _ of simulate(p, truth));
  const s = truth.summary();
  // Step rates are conditional: step i among those who did step i - 1.
  assertRate(s.funnelReached[0], s.users, p.funnelRates[0], 'step 1');
  assertRate(s.funnelReached[1], s.funnelReached[0], p.funnelRates[1], 'step 2 | step 1');
  assertRate(s.funnelReached[2], s.funnelReached[1], p.funnelRates[2], 'step 3 | step 2');
  assert.deepEqual(expectedFunnel(p), [0.9, 0.45, 0.9 * 0.5 * 0.3]);
  // Week k activity is an independent draw per user: pool every cohort that reached week k.
  for (let k = 1; k <= 6; k++) {
    const cohorts = s.cohorts.filter((c) => c.active.length > k);
    const trials = cohorts.reduce((n, c) => n + c.users, 0);
    const active = cohorts.reduce((n, c) => n + c.active[k], 0);
    assertRate(active, trials, expectedRetention(p, k), `week ${k}`);
  }
});

test('parameters the oracle could not honour are rejected', () => {
  assert.throws(() => resolveParams({ funnelRates: [0.5, 0.5] }, NOW), /one rate per funnel step/);
  assert.throws(() => resolveParams({ retention: [1.5] }, NOW), /retention\[0\]/);
  assert.throws(
    () => resolveParams({ funnelSteps: [{ eid: 'IMPRESSION', pageid: 'home' }], funnelRates: [0.5] }),
    /also a browsing page/,
  );
  assert.throws(() => resolveParams({ start: '2024-13-45' }, NOW), /start must be a date/);
  assert.throws(() => resolveParams({ days: 10, acquisitionDays: 20 }, NOW), /acquisitionDays/);
});
