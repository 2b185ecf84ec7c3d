// buildEvent: Sunbird's key order, the defaults for ets/ver/mid, and that what it builds validates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEvent, type EventBase } from './builders.js';
import { FIXTURES } from './test-support/event-fixtures.js';
import { EIDS } from './types.js';
import { validateEvent } from './validate.js';

const base: EventBase = {
  actor: { id: 'u1', type: 'User' },
  context: { channel: 'org.test', pdata: { id: 'test.app', ver: '1.0' }, env: 'home', sid: 's1', did: 'd1' },
};
const UUID_V4 = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/;

test('keys are in the Sunbird SDK order', () => {
  const event = buildEvent(
    'INTERACT',
    { type: 'TOUCH', id: 'b' },
    { ...base, object: { id: 'o', type: 'Content' }, tags: ['t'] },
  );
  assert.deepEqual(Object.keys(event), ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'object', 'tags', 'edata']);
});

test('object and tags are left out, not set to undefined, when not given', () => {
  const event = buildEvent('START', { type: 'app' }, base);
  assert.deepEqual(Object.keys(event), ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'edata']);
});

test('defaults: ets is now, ver is "3.0", mid is "<EID>:<uuid v4>"', () => {
  const before = Date.now();
  const event = buildEvent('IMPRESSION', { type: 'view', pageid: 'home', uri: '/' }, base);
  assert.ok(event.ets >= before && event.ets <= Date.now());
  assert.equal(event.ver, '3.0');
  assert.match(event.mid, new RegExp(`^IMPRESSION:${UUID_V4.source}$`));
  assert.notEqual(buildEvent('START', { type: 'app' }, base).mid, buildEvent('START', { type: 'app' }, base).mid);
});

test('given ets, ver and mid are kept', () => {
  const event = buildEvent('END', { type: 'app' }, { ...base, ets: 1, ver: '3.1', mid: 'm-1' });
  assert.deepEqual([event.ets, event.ver, event.mid], [1, '3.1', 'm-1']);
});

test('the edata and envelope parts are the ones given', () => {
  const edata = { type: 'TOUCH', id: 'b' };
  const event = buildEvent('INTERACT', edata, base);
  assert.equal(event.eid, 'INTERACT');
  assert.equal(event.edata, edata);
  assert.equal(event.actor, base.actor);
  assert.equal(event.context, base.context);
});

test('every event built from a valid edata validates', () => {
  for (const eid of EIDS) {
    for (const edata of [FIXTURES[eid].minimal, FIXTURES[eid].maximal]) {
      const result = validateEvent(buildEvent(eid, edata as never, base));
      assert.ok(result.valid, `${eid}: ${result.valid ? '' : result.errors}`);
    }
  }
});
