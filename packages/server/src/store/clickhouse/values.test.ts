import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toPortRows, toPortValue } from './values.js';

test('64-bit integers (quoted by the server) are numbers up to 2^53 and their text beyond, nested too', () => {
  assert.equal(toPortValue('42', 'Int64'), 42);
  assert.equal(toPortValue('-9007199254740991', 'Int64'), -9007199254740991);
  assert.equal(toPortValue('9007199254740993', 'UInt64'), '9007199254740993');
  assert.equal(toPortValue(null, 'Nullable(Int64)'), null);
  assert.equal(toPortValue('7', 'Nullable(Int64)'), 7);
  assert.deepEqual(toPortValue(['1', '2'], 'Array(UInt64)'), [1, 2]);
  assert.equal(toPortValue(3, 'UInt8'), 3);
});

test('DateTime is an ISO string in UTC; Date and strings stay as they are', () => {
  assert.equal(toPortValue('2024-01-01 23:59:59', "DateTime('UTC')"), '2024-01-01T23:59:59.000Z');
  assert.equal(toPortValue('2024-01-01 00:00:00', 'DateTime'), '2024-01-01T00:00:00.000Z');
  assert.equal(toPortValue('2024-01-01', 'Date'), '2024-01-01');
  assert.equal(toPortValue('2024-01-01 00:00:00', 'String'), '2024-01-01 00:00:00');
  assert.deepEqual(
    toPortRows(
      [
        ['a', '1'],
        ['b', '2'],
      ],
      ['String', 'Int64'],
    ),
    [
      ['a', 1],
      ['b', 2],
    ],
  );
});
