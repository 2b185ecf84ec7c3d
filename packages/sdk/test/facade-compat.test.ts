/** One calling script, run against Sunbird's SDK 2.0.1 and against our facade: the same events arrive, apart from mid and ets. */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { createFacade } from '../src/facade.js';
import { memoryStorage } from '../src/storage.js';
import type { TelemetryEvent } from '../src/types.js';
import { captureServer, until } from './helpers.js';

type Sdk = Record<string, (...args: unknown[]) => unknown>;

/** What a Sunbird page does: initialize, START with content, sticky options, resets, every event kind, END, sync. */
async function script(t: Sdk, host: string, extra: object = {}) {
  t.initialize({
    pdata: { id: 'quiz.portal', ver: '2.1', pid: 'quiz.web' },
    env: 'quiz',
    channel: 'test-channel',
    did: 'device-xyz',
    uid: 'anonymous',
    sid: 'session-1',
    authtoken: 'dummy-token',
    host,
    endpoint: '/v1/telemetry',
    batchsize: 4,
    tags: ['school-7'],
    cdata: [{ type: 'Class', id: '5' }],
    ...extra,
  });
  await t.start({}, 'do_123', '1.0', { type: 'player', mode: 'play', pageid: 'intro' }, { context: { env: 'player' } });
  t.impression({ type: 'view', pageid: 'q1', uri: '/quiz/q1' });
  t.interact(
    { type: 'TOUCH', id: 'opt-b', pageid: 'q1' },
    { object: { id: 'q1', type: 'Question', ver: '1' }, tags: ['attempt-1'] },
  );
  t.assess(
    { item: { id: 'q1', title: 'Q1' }, index: 1, pass: 'Yes', score: 1, resvalues: [{ answer: 'b' }], duration: 3 },
    { eventVer: '3.1' },
  );
  t.response({ target: { id: 'q1', ver: '1', type: 'Question' }, type: 'CHOOSE', values: [{ option: 'b' }] });
  t.resetObject();
  t.resetTags();
  t.feedback({ rating: 4, comments: 'dropped by Sunbird', commentid: 'c1' });
  t.interrupt({ type: 'background' });
  t.share({ dir: 'Out', type: 'Link', items: [{ id: 'do_123', type: 'Content', ver: '1' }] });
  t.audit({ props: ['state'], state: 'Live', prevstate: 'Draft' });
  t.error({ err: 'E1', errtype: 'CONTENT', stacktrace: 'at q1' });
  t.heartbeat({});
  t.log({ type: 'api_call', level: 'INFO', message: 'ok' }, { actor: { id: 'teacher-1', type: 'Teacher' } });
  t.resetActor();
  t.search({ query: 'frac', size: 0, topn: [] }, { context: { env: 'search' } });
  t.resetContext();
  t.metrics({ system: 'quiz', subsystem: 'web', metrics: [{ metric: 'ms', value: 5 }] });
  t.summary({ type: 'quiz', starttime: 1, endtime: 2, timespent: 1, pageviews: 1, interactions: 2 });
  t.exdata({ type: 'xapi', data: '{}' });
  t.end({ type: 'player', mode: 'play' });
  t.syncEvents();
}

function normalise(events: TelemetryEvent[]) {
  return events
    .map((e) => {
      const { mid, ets, ...rest } = e;
      assert.ok(mid && ets);
      if (rest.eid === 'END') (rest.edata as Record<string, unknown>).duration = 'n';
      return rest;
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

test('our EkTelemetry facade sends what Sunbird SDK 2.0.1 sends (apart from mid and ets)', async () => {
  const theirs = await captureServer();
  const ours = await captureServer();
  const quiet = { log: console.log, info: console.info, error: console.error };
  console.log = console.info = console.error = () => {};
  try {
    const sunbird = createRequire(import.meta.url)('@project-sunbird/telemetry-sdk').$t as Sdk;
    await script(sunbird, theirs.url);
    const facade = createFacade() as unknown as Sdk;
    await script(facade, ours.url, { storage: memoryStorage() });
    await until(() => theirs.events().length === 17 && ours.events().length === 17).catch(() => {
      throw new Error(`theirs ${theirs.events().map((e) => e.eid)} ours ${ours.events().map((e) => e.eid)}`);
    });
    assert.deepEqual(normalise(ours.events()), normalise(theirs.events()));
    for (const [a, b] of [[theirs.requests[0], ours.requests[0]]]) {
      assert.equal(b.url, a.url);
      for (const h of ['authorization', 'x-app-id', 'x-device-id', 'x-channel-id', 'content-type'])
        assert.equal(b.headers[h], a.headers[h], h);
    }
    const assess = ours.events().find((e) => e.eid === 'ASSESS')!;
    assert.equal(assess.ver, '3.1');
    facade.shutdown();
  } finally {
    Object.assign(console, quiet);
    await theirs.close();
    await ours.close();
  }
});
