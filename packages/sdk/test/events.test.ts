/** Every event method produces an event that passes our validator and Sunbird's pipeline schemas; defaults and overrides. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { validateEvent } from '@telemetry/spec/validate';
import { createTelemetry } from '../src/index.js';
import { memoryStorage } from '../src/storage.js';
import { pipelineErrors, REFERENCE_SKIP, recorder } from './helpers.js';

/** A realistic edata for each method, written from the spec's tables (sunbird-telemetry-v3.md §2). */
const SAMPLES = {
  start: { type: 'app', mode: 'play', pageid: 'home', duration: 0 },
  end: { type: 'app', mode: 'play', pageid: 'home', duration: 12.5, summary: [{ progress: 100 }] },
  impression: {
    type: 'view',
    pageid: 'quiz',
    uri: '/quiz',
    duration: 3.2,
    visits: [{ objid: 'q1', objtype: 'Question' }],
  },
  interact: { type: 'CLICK', id: 'next', pageid: 'quiz', extra: { pos: [{ x: 1, y: 2 }] } },
  assess: {
    item: { id: 'q1', title: 'Q1', maxscore: 1 },
    index: 1,
    pass: 'Yes',
    score: 1,
    resvalues: [{ a: '4' }],
    duration: 4,
  },
  response: { target: { id: 'q1', ver: '1', type: 'Question' }, type: 'CHOOSE', values: [{ option: 'b' }] },
  interrupt: { type: 'background', pageid: 'quiz' },
  feedback: { rating: 4, comments: 'nice' },
  share: { dir: 'Out', type: 'Link', items: [{ id: 'quiz-1', type: 'Content', ver: '1' }] },
  audit: { props: ['state'], state: 'Live', prevstate: 'Draft' },
  error: { err: 'E_LOAD', errtype: 'SYSTEM', stacktrace: 'Error: at x', pageid: 'quiz' },
  heartbeat: {},
  log: { type: 'api_call', level: 'INFO', message: 'loaded', params: [{ url: '/x' }] },
  search: { type: 'content', query: 'fractions', filters: {}, sort: {}, size: 2, topn: [{ id: 'a' }] },
  metrics: { system: 'quiz', subsystem: 'client', metrics: [{ metric: 'load_ms', value: 120 }] },
  summary: { type: 'session', starttime: 1, endtime: 2, timespent: 1, pageviews: 1, interactions: 1 },
  exdata: { type: 'xapi', data: '{"a":1}' },
} as const;

function client(extra = {}) {
  const rec = recorder();
  const t = createTelemetry({
    transport: rec.transport,
    storage: memoryStorage(),
    channel: 'in.ekstep',
    pdata: { id: 'quiz.web', ver: '1.2.0' },
    env: 'quiz',
    did: 'device-1',
    sessionEvents: false,
    flushIntervalMs: 10,
    ...extra,
  });
  return { t, rec };
}

/** The one event `method(edata)` sends. */
async function emit(method: string, edata: unknown) {
  const { t, rec } = client();
  (t as unknown as Record<string, (e: unknown) => void>)[method](structuredClone(edata));
  await t.flush();
  await t.shutdown();
  return rec.events()[0];
}

describe('every V3 event method', () => {
  for (const [method, edata] of Object.entries(SAMPLES)) {
    test(`${method}() passes our validator, with its mid and anonymous actor`, async () => {
      const event = await emit(method, edata);
      assert.equal(event.eid, method.toUpperCase());
      const ours = validateEvent(event);
      assert.ok(ours.valid, JSON.stringify(ours));
      assert.match(event.mid, new RegExp(`^${method.toUpperCase()}:[0-9a-f-]{36}$`));
      assert.equal(event.context.did, 'device-1');
      assert.equal(event.actor.id, 'device-1', 'anonymous actor is its device');
    });

    test(`${method}() passes Sunbird's pipeline schema`, { skip: REFERENCE_SKIP }, async () => {
      assert.deepEqual(pipelineErrors(await emit(method, edata)), []);
    });
  }
});

describe('defaults and overrides', () => {
  test('context, object, actor, tags and cdata come from config and can be overridden per call', async () => {
    const { t, rec } = client({
      uid: 'u-1',
      tags: ['school-7'],
      cdata: [{ type: 'Class', id: '5' }],
      object: { id: 'quiz-1', type: 'Content', ver: '1' },
    });
    t.interact({ type: 'CLICK', id: 'a' });
    t.interact(
      { type: 'CLICK', id: 'b' },
      {
        context: { env: 'results' },
        object: { id: 'q2' },
        actor: { type: 'Teacher' },
        tags: ['t2'],
        cdata: [{ type: 'Attempt', id: '9' }],
      },
    );
    await t.flush();
    const [a, b] = rec.events();
    assert.deepEqual(a.actor, { id: 'u-1', type: 'User' });
    assert.equal(a.context.env, 'quiz');
    assert.deepEqual(a.context.cdata, [{ type: 'Class', id: '5' }]);
    assert.deepEqual(a.object, { id: 'quiz-1', type: 'Content', ver: '1' });
    assert.deepEqual(a.tags, ['school-7']);
    assert.deepEqual(b.actor, { id: 'u-1', type: 'Teacher' });
    assert.equal(b.context.env, 'results');
    assert.deepEqual(b.context.cdata, [{ type: 'Attempt', id: '9' }]);
    assert.deepEqual(b.object, { id: 'q2', type: 'Content', ver: '1' });
    assert.deepEqual(b.tags, ['t2']);
    assert.deepEqual(Object.keys(a), ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'object', 'tags', 'edata']);
    assert.equal(a.context.pdata.id, 'quiz.web');
    await t.shutdown();
  });

  test('END without a duration measures from its START', async () => {
    const { t, rec } = client();
    t.start({ type: 'player' });
    await new Promise((r) => setTimeout(r, 30));
    t.end({ type: 'player' });
    await t.flush();
    const end = rec.events().find((e) => e.eid === 'END')!;
    assert.ok((end.edata.duration as number) >= 0.02, String(end.edata.duration));
    await t.shutdown();
  });

  test('levels drop events above the configured level', async () => {
    const { t, rec } = client({ level: 'basic' });
    t.audit({ props: ['x'] });
    t.error({ err: 'E', errtype: 'SYSTEM', stacktrace: 's' });
    t.interact({ type: 'CLICK', id: 'x' });
    t.assess(SAMPLES.assess as never);
    await t.flush();
    assert.deepEqual(
      rec.events().map((e) => e.eid),
      ['AUDIT', 'ERROR'],
    );
    await t.shutdown();
  });

  test('beforeSend redacts or drops, and a throwing beforeSend drops (and counts)', async () => {
    let calls = 0;
    const { t, rec } = client({
      beforeSend: (e: { eid: string; edata: Record<string, unknown> }) => {
        calls++;
        if (e.eid === 'LOG') return null;
        if (e.eid === 'ERROR') throw new Error('bug');
        e.edata.id = 'redacted';
        return e;
      },
    });
    t.interact({ type: 'CLICK', id: 'email@example.org' });
    t.log({ type: 'x', level: 'INFO', message: 'm' });
    t.error({ err: 'E', errtype: 'SYSTEM', stacktrace: 's' });
    await t.flush();
    assert.equal(calls, 3);
    assert.deepEqual(
      rec.events().map((e) => e.edata.id),
      ['redacted'],
    );
    assert.equal(t.stats().dropped, 2);
    await t.shutdown();
  });

  test('sampling is decided per device: a device is all in or all out', async () => {
    const kept = [];
    for (let i = 0; i < 200; i++) {
      const { t, rec } = client({ did: `dev-${i}`, sampleRate: 0.3 });
      t.interact({ type: 'CLICK', id: 'a' });
      t.interact({ type: 'CLICK', id: 'b' });
      await t.flush();
      const n = rec.events().length;
      assert.ok(n === 0 || n === 2);
      if (n) kept.push(i);
      await t.shutdown();
    }
    assert.ok(kept.length > 30 && kept.length < 90, String(kept.length));
  });

  test('public calls never throw into the host', () => {
    const { t } = client();
    assert.doesNotThrow(() => t.interact(undefined as never));
    assert.doesNotThrow(() => t.track('NOPE' as never, {} as never, { context: null as never }));
  });
});
