// Each of the 17 events: its minimal and maximal edata pass, and each invalid variant fails naming the path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EDATA_SCHEMAS } from '../schemas.js';
import { MAXIMAL_ENVELOPE, makeEvent } from '../test-support/envelopes.js';
import { FIXTURES } from '../test-support/event-fixtures.js';
import { EIDS } from '../types.js';
import { validateEvent } from '../validate.js';

test('there is a fixture for every eid and no other', () => {
  assert.deepEqual(Object.keys(FIXTURES).sort(), [...EIDS].sort());
});

for (const eid of EIDS) {
  const fixture = FIXTURES[eid];
  describe(eid, () => {
    test('minimal event is valid', () => {
      const event = makeEvent(eid, fixture.minimal);
      assert.deepEqual(validateEvent(event), { valid: true, event });
    });

    test('maximal event is valid', () => {
      const event = makeEvent(eid, fixture.maximal, MAXIMAL_ENVELOPE);
      assert.deepEqual(validateEvent(event), { valid: true, event });
    });

    test('edata must be present', () => {
      const { edata: _, ...event } = makeEvent(eid, fixture.minimal);
      assert.deepEqual(validateEvent(event), {
        valid: false,
        reason: 'invalid_schema',
        errors: ["/: must have required property 'edata'"],
      });
    });

    for (const invalid of fixture.invalid) {
      test(`invalid: ${invalid.name}`, () => {
        assert.deepEqual(validateEvent(makeEvent(eid, invalid.edata)), {
          valid: false,
          reason: 'invalid_schema',
          errors: [invalid.error],
        });
      });
    }

    test('has invalid variants for a missing key (if any is required), an extra key and a wrong type', () => {
      const names = fixture.invalid.map((i) => i.name).join('|');
      if (EDATA_SCHEMAS[eid].required) assert.match(names, /missing /);
      if (eid !== 'HEARTBEAT') assert.match(names, /extra key /);
      assert.ok(
        fixture.invalid.some((i) => !/^(missing|extra key) /.test(i.name)),
        'a wrong-type variant',
      );
    });
  });
}
