/** Values come back from every read path as JSON that keeps them (helper-33: DECIMALs were rounded to doubles). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openMemoryStore } from '../../../test/support/store.js';

test('DECIMALs past a double, bytes, times of day and infinite dates keep their exact text; the rest stay JSON numbers', async () => {
  const store = await openMemoryStore();
  try {
    const { rows } =
      await store.query(`SELECT 9007199254740993::DECIMAL(38,0), 12345678901234567890.1234567890::DECIMAL(38,10),
      12.30::DECIMAL(10,2), -0.000125::DECIMAL(9,6), 123456789012345::DECIMAL(18,0), 'x\\xFF'::BLOB, TIME '12:34:56',
      TIMESTAMP 'infinity', TIMESTAMP '2024-01-02 03:04:05', [1.5::DECIMAL(3,1), NULL], {'d': 9007199254740993::DECIMAL(20,0)},
      9007199254740993::BIGINT, 42::BIGINT, 1.5::DECIMAL(38,18), 1000000000000::DECIMAL(18,4),
      'infinity'::DATE, '-infinity'::DATE, DATE '2024-02-29'`);
    assert.deepEqual(rows, [
      [
        '9007199254740993',
        '12345678901234567890.1234567890',
        12.3,
        -0.000125,
        123456789012345,
        'x\\xFF',
        '12:34:56',
        'infinity',
        '2024-01-02T03:04:05.000Z',
        [1.5, null],
        { d: '9007199254740993' },
        '9007199254740993',
        42,
        1.5,
        1000000000000,
        'infinity',
        '-infinity',
        '2024-02-29T00:00:00.000Z',
      ],
    ]);
  } finally {
    await store.close();
  }
});
