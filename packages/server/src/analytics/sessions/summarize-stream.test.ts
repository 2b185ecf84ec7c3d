/** Hand-computed summaries and page times on small streams (the traces are in the comments). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interactTypes } from '../../../test/oracle/sunbird-workflow-summary.js';
import { summarizeStream } from './summarize-stream.js';
import type { StreamEvent } from './types.js';

const T0 = 1_700_000_000_000;

/** An event `seconds` after T0. */
function ev(eid: string, seconds: number, edata: Partial<StreamEvent> = {}): StreamEvent {
  return {
    eid,
    ets: T0 + Math.round(seconds * 1000),
    actor_id: 'u1',
    sid: 's1',
    env: 'home',
    edata_type: eid === 'INTERACT' ? 'click' : null,
    edata_mode: null,
    edata_pageid: null,
    object_id: null,
    object_type: null,
    ...edata,
  };
}
const app = { edata_type: 'app' };

function brief(rows: ReturnType<typeof summarizeStream>['summaries']) {
  return rows.map((r) => ({
    type: r.type,
    mode: r.mode,
    depth: r.depth,
    start: (r.start_time - T0) / 1000,
    end: (r.end_time - T0) / 1000,
    time_spent: r.time_spent,
    interactions: r.interact_events_count,
    events: r.events_summary,
  }));
}

test('a gap over 600 s counts zero, it is not capped', () => {
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('IMPRESSION', 10, { edata_type: 'view', edata_pageid: 'home' }),
    ev('INTERACT', 20.5),
    ev('INTERACT', 700.5), // gap 680 s: counts 0
    ev('END', 710.5, app),
  ]);
  // 10 + 10.5 + 0 + 10
  assert.deepEqual(brief(summaries), [
    {
      type: 'app',
      mode: '',
      depth: 0,
      start: 0,
      end: 710.5,
      time_spent: 30.5,
      interactions: 2,
      events: { START: 1, IMPRESSION: 1, INTERACT: 2, END: 1 },
    },
  ]);
  assert.equal(summaries[0].time_diff, 710.5);
  assert.equal(summaries[0].interact_events_per_min, 2); // under a minute: the count itself
});

test('a gap of exactly 600 s counts; each gap is rounded half-up before summing', () => {
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('INTERACT', 600),
    ev('INTERACT', 601.005),
    ev('INTERACT', 602.01),
  ]);
  // 600 + round(1.005)=1.01 + round(1.005)=1.01, while time_diff is 602.01
  assert.equal(summaries[0].time_spent, 602.02);
  assert.equal(summaries[0].time_diff, 602.01);
});

test('a gap over 30 minutes closes the session and reuses the tree; the next gap counts zero', () => {
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('INTERACT', 60),
    ev('INTERACT', 1861), // 1801 s later, not of type app: break
    ev('INTERACT', 1891),
    ev('END', 1900, app),
  ]);
  assert.deepEqual(brief(summaries), [
    {
      type: 'app',
      mode: '',
      depth: 0,
      start: 0,
      end: 60,
      time_spent: 60,
      interactions: 1,
      events: { START: 1, INTERACT: 1 },
    },
    // After the break START is not listed: the reused summary starts at the first event after it.
    {
      type: 'app',
      mode: '',
      depth: 0,
      start: 1861,
      end: 1900,
      time_spent: 39,
      interactions: 2,
      events: { INTERACT: 2, END: 1 },
    },
  ]);
});

test('a long gap before an event of type app does not break the session', () => {
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('INTERACT', 60),
    ev('INTERACT', 2000, app),
    ev('END', 2010, app),
  ]);
  // One summary: 60 + 0 (1940 s idle) + 10
  assert.deepEqual(
    brief(summaries).map((s) => [s.start, s.end, s.time_spent]),
    [[0, 2010, 70]],
  );
});

test('nested START/END: each summary has its own time, and the parent counts the child START twice', () => {
  const content = { object_id: 'do_1', object_type: 'Content' };
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('IMPRESSION', 5, { edata_type: 'view', edata_pageid: 'home' }),
    ev('START', 10, { edata_type: 'player', edata_mode: 'play', ...content }),
    ev('INTERACT', 20),
    ev('END', 40, { edata_type: 'player', edata_mode: 'play', ...content }),
    ev('INTERACT', 50),
    ev('END', 60, app),
  ]);
  assert.deepEqual(brief(summaries), [
    // player: 10 + 20
    {
      type: 'player',
      mode: 'play',
      depth: 1,
      start: 10,
      end: 40,
      time_spent: 30,
      interactions: 1,
      events: { START: 1, INTERACT: 1, END: 1 },
    },
    // app: 5 + 5 + 10 + 20 + 10 + 10
    {
      type: 'app',
      mode: '',
      depth: 0,
      start: 0,
      end: 60,
      time_spent: 60,
      interactions: 2,
      events: { START: 2, IMPRESSION: 1, INTERACT: 2, END: 2 },
    },
  ]);
  assert.equal(summaries[0].object_id, 'do_1');
});

test('an END with no matching START is ignored, even for time', () => {
  const { summaries } = summarizeStream([
    ev('START', 0, app),
    ev('INTERACT', 10),
    ev('END', 20, { edata_type: 'player' }),
    ev('INTERACT', 30),
    ev('END', 40, app),
  ]);
  // 10 + 20 (the gap spans the ignored END) + 10
  assert.deepEqual(brief(summaries)[0].events, { START: 1, INTERACT: 2, END: 1 });
  assert.equal(summaries[0].time_spent, 40);
});

test('an END first, then events without START: an implicit app summary', () => {
  const { summaries } = summarizeStream([ev('END', 0, { edata_type: 'player' }), ev('INTERACT', 5), ev('INTERACT', 8)]);
  assert.deepEqual(brief(summaries), [
    { type: 'app', mode: '', depth: 0, start: 5, end: 8, time_spent: 3, interactions: 2, events: { INTERACT: 2 } },
  ]);
});

test('events out of order, and LOG/AUDIT/SEARCH, give the same answer as the ordered stream', () => {
  const ordered = [ev('START', 0, app), ev('INTERACT', 10), ev('INTERACT', 25), ev('END', 30, app)];
  const shuffled = [ordered[2], ev('LOG', 12), ordered[0], ev('SEARCH', 26), ordered[3], ordered[1], ev('AUDIT', 1)];
  assert.deepEqual(summarizeStream(shuffled), summarizeStream(ordered));
  assert.equal(summarizeStream(shuffled).summaries[0].time_spent, 30);
});

test('page time: each gap credited once to the page being viewed, idle gaps zero', () => {
  const { pages } = summarizeStream([
    ev('IMPRESSION', 0, { edata_type: 'view', edata_pageid: 'p1' }),
    ev('INTERACT', 10),
    ev('IMPRESSION', 25, { edata_type: 'view', edata_pageid: 'p2' }),
    ev('INTERACT', 30),
    ev('INTERACT', 730), // 700 s idle: zero
    ev('IMPRESSION', 740, { edata_type: 'view', edata_pageid: 'p1' }),
  ]);
  assert.deepEqual(
    pages.map((p) => [p.pageid, (p.start_time - T0) / 1000, (p.end_time - T0) / 1000, p.time_spent, p.event_count]),
    [
      ['p1', 0, 25, 25, 2], // 10 + 15
      ['p2', 25, 740, 15, 3], // 5 + 0 + 10
      ['p1', 740, 740, 0, 1], // a second visit, not merged with the first
    ],
  );
});

test('page time: a session break ends the page view', () => {
  const { pages } = summarizeStream([
    ev('IMPRESSION', 0, { edata_pageid: 'p1' }),
    ev('INTERACT', 10),
    ev('INTERACT', 2000),
    ev('INTERACT', 2005),
  ]);
  assert.deepEqual(
    pages.map((p) => [p.pageid, p.time_spent, p.event_count]),
    [['p1', 10, 2]],
  );
});

test('an event without actor, sid or env: its summary and page view name them as empty text, not null', () => {
  const none = { actor_id: null, sid: null, env: null };
  const { summaries, pages } = summarizeStream([
    ev('IMPRESSION', 0, { ...none, edata_type: 'view', edata_pageid: 'p1' }),
    ev('INTERACT', 10, none),
  ]);
  assert.deepEqual(
    summaries.map((s) => [s.actor_id, s.sid, s.type, s.time_spent]),
    [['', '', 'app', 10]],
  );
  assert.deepEqual(
    pages.map((p) => [p.actor_id, p.sid, p.env, p.pageid, p.time_spent]),
    [['', '', '', 'p1', 10]],
  );
});

test("interactions: exactly Sunbird's interact types count (Summary.interactTypes, the oracle's list), ignoring case", () => {
  for (const type of [...interactTypes, 'DRAG', 'Submit', 'other', 'app', '', null]) {
    const { summaries } = summarizeStream([
      ev('START', 0, app),
      ev('INTERACT', 10, { edata_type: type }),
      ev('END', 20, app),
    ]);
    const expected = type !== null && interactTypes.includes(type.toLowerCase()) ? 1 : 0;
    assert.deepEqual(
      summaries.map((s) => s.interact_events_count),
      [expected],
      String(type),
    );
  }
});
