// validateEvent: the rejection reasons, the error strings (JSON path + message) and the returned event.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAXIMAL_ENVELOPE, makeEvent } from './test-support/envelopes.js';
import { REJECTION_REASONS, validateEvent } from './validate.js';

// biome-ignore lint/suspicious/noExplicitAny: tests break events in arbitrary places.
const interact = (): any => makeEvent('INTERACT', { type: 'TOUCH', id: 'play' }, MAXIMAL_ENVELOPE);

function rejection(value: unknown) {
  const result = validateEvent(value);
  assert.equal(result.valid, false);
  return result.valid ? undefined : { reason: result.reason, errors: result.errors };
}

test('REJECTION_REASONS is the closed set of reasons', () => {
  assert.deepEqual(REJECTION_REASONS, ['not_object', 'unknown_eid', 'invalid_schema']);
});

test('a valid event is returned as the same object, not a copy', () => {
  const event = interact();
  const result = validateEvent(event);
  assert.equal(result.valid && result.event, event);
});

describe('not_object', () => {
  for (const [value, got] of [
    [null, 'null'],
    [[], 'an array'],
    ['{"eid":"START"}', 'string'],
    [42, 'number'],
    [undefined, 'undefined'],
  ] as const) {
    test(got, () => {
      assert.deepEqual(rejection(value), { reason: 'not_object', errors: [`event must be an object, got ${got}`] });
    });
  }
});

describe('unknown_eid', () => {
  for (const eid of ['FOO', 'interact', 'EXPERIMENT', 'SHARE_ITEM', 'constructor', '__proto__', 5, null, '']) {
    test(JSON.stringify(eid), () => {
      assert.deepEqual(rejection({ ...interact(), eid }), {
        reason: 'unknown_eid',
        errors: [`eid ${JSON.stringify(eid)} is not a V3 event`],
      });
    });
  }
  test('a long eid is cut in the message', () => {
    assert.deepEqual(rejection({ ...interact(), eid: 'X'.repeat(10_000) }), {
      reason: 'unknown_eid',
      errors: [`eid "${'X'.repeat(64)}…" is not a V3 event`],
    });
  });
  test('missing eid', () => {
    const { eid: _, ...event } = interact();
    assert.deepEqual(rejection(event), { reason: 'unknown_eid', errors: ["/: must have required property 'eid'"] });
  });
});

describe('invalid_schema names the path in the envelope', () => {
  const cases: [string, (e: ReturnType<typeof interact>) => void, string][] = [
    ['actor missing', (e) => delete e.actor, "/: must have required property 'actor'"],
    ['pdata missing', (e) => delete e.context.pdata, "/context: must have required property 'pdata'"],
    ['pdata.id missing', (e) => delete e.context.pdata.id, "/context/pdata: must have required property 'id'"],
    ['ver 3.2', (e) => Object.assign(e, { ver: '3.2' }), '/ver: must be one of "3.0", "3.1"'],
    ['ets as string', (e) => Object.assign(e, { ets: '1' }), '/ets: must be number'],
    [
      'ets 1e400, Infinity once parsed',
      (e) => Object.assign(e, { ets: JSON.parse('1e400') }),
      '/ets: must be a finite number',
    ],
    ['empty mid', (e) => Object.assign(e, { mid: '' }), '/mid: must NOT have fewer than 1 characters'],
    [
      'empty channel',
      (e) => Object.assign(e.context, { channel: '' }),
      '/context/channel: must NOT have fewer than 1 characters',
    ],
    ['tags of objects', (e) => Object.assign(e, { tags: [{}] }), '/tags/0: must be string'],
    [
      'cdata item with an extra key',
      (e) => Object.assign(e.context, { cdata: [{ type: 't', id: 'i', name: 'n' }] }),
      "/context/cdata/0: must NOT have additional property 'name'",
    ],
    [
      'object.rollup.l1 as number',
      (e) => Object.assign(e.object.rollup, { l1: 1 }),
      '/object/rollup/l1: must be string',
    ],
    ['actor.type missing', (e) => delete e.actor.type, "/actor: must have required property 'type'"],
  ];
  for (const [name, change, error] of cases) {
    test(name, () => {
      const event = interact();
      change(event);
      assert.deepEqual(rejection(event), { reason: 'invalid_schema', errors: [error] });
    });
  }
});

test('the envelope is open: extra keys at the top, in actor, context, pdata and object are kept and accepted', () => {
  const event = interact();
  Object.assign(event, { '@timestamp': '2024-01-01T00:00:00Z', syncts: 1, flags: {} });
  Object.assign(event.actor, { name: 'x' });
  Object.assign(event.context, { extra: 1 });
  Object.assign(event.context.pdata, { platform: 'iOS', build: 7 });
  Object.assign(event.object, { name: 'x' });
  assert.equal(validateEvent(event).valid, true);
});

test('a result does not leak errors from an earlier call', () => {
  assert.equal(validateEvent({ ...interact(), ets: 'x' }).valid, false);
  assert.deepEqual(validateEvent(interact()).valid, true);
  assert.deepEqual(rejection({ ...interact(), mid: '' })?.errors, ['/mid: must NOT have fewer than 1 characters']);
});
