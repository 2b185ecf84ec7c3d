// Every typed edata column, one by one (issue 10: the mutation run found that only uri, duration and rating were
// checked, so dropping any other column from the list, or changing the JSON type it takes, passed every test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkColumnValues, MAX_COLUMN_NUMBER, MAX_ETS, MIN_ETS } from './column-values.js';

const STRING_COLUMNS = ['type', 'subtype', 'mode', 'id', 'pageid', 'uri', 'query'];
const NUMBER_COLUMNS = ['duration', 'rating'];

test('each string column refuses a number, and each number column a string, naming the column', () => {
  for (const key of STRING_COLUMNS) {
    assert.deepEqual(checkColumnValues({ ets: 1, edata: { [key]: 7 } }), {
      reason: 'invalid_schema',
      error: `/edata/${key}: must be a string (it fills the edata_${key} column)`,
    });
    assert.equal(checkColumnValues({ ets: 1, edata: { [key]: 'x' } }), undefined, key);
  }
  for (const key of NUMBER_COLUMNS) {
    assert.deepEqual(checkColumnValues({ ets: 1, edata: { [key]: '3' } }), {
      reason: 'invalid_schema',
      error: `/edata/${key}: must be a number (it fills the edata_${key} column)`,
    });
    assert.equal(checkColumnValues({ ets: 1, edata: { [key]: 3 } }), undefined, key);
  }
  assert.equal(checkColumnValues({ ets: 1, edata: { other: 7, extra: 'x' } }), undefined, 'other fields are free');
  assert.equal(
    checkColumnValues({ ets: 1, edata: { id: '1e300', query: '-9e99' } }),
    undefined,
    'text is not a number',
  );
  assert.equal(
    checkColumnValues({ ets: 1, edata: { type: 'x', subtype: null, duration: 1, query: 5 } })?.error,
    '/edata/query: must be a string (it fills the edata_query column)',
    'a later column is still checked after valid and null ones',
  );
});

test('each number column is bounded by MAX_COLUMN_NUMBER in magnitude, both signs, the bound itself allowed', () => {
  for (const key of NUMBER_COLUMNS) {
    for (const value of [MAX_COLUMN_NUMBER, -MAX_COLUMN_NUMBER, 0]) {
      assert.equal(checkColumnValues({ ets: 1, edata: { [key]: value } }), undefined, `${key} ${value}`);
    }
    for (const value of [MAX_COLUMN_NUMBER + 2, -(MAX_COLUMN_NUMBER + 2)]) {
      assert.deepEqual(checkColumnValues({ ets: 1, edata: { [key]: value } }), {
        reason: 'invalid_number',
        error: `/edata/${key}: must be at most ${MAX_COLUMN_NUMBER} in magnitude, got ${value}`,
      });
    }
  }
});

test('ets: the whole range and its exact error text', () => {
  assert.equal(checkColumnValues({ ets: MIN_ETS }), undefined);
  assert.equal(checkColumnValues({ ets: MAX_ETS }), undefined);
  assert.equal(MAX_ETS, Date.UTC(9999, 11, 31, 23, 59, 59, 999));
  assert.equal(MIN_ETS, 0);
  for (const ets of [MIN_ETS - 1, MAX_ETS + 1, 0.5, Number.NaN]) {
    assert.deepEqual(checkColumnValues({ ets }), {
      reason: 'invalid_ets',
      error: `/ets: must be whole epoch milliseconds from 0 (1970-01-01) to 253402300799999 (9999-12-31), got ${ets}`,
    });
  }
  assert.equal(checkColumnValues({ ets: 5, edata: 3 }), undefined, 'edata that is not an object has no columns');
});

test('mid: control characters are refused (the spool keeps them as spaces), every other character kept', () => {
  const refused = { reason: 'invalid_schema', error: '/mid: must not hold control characters (U+0000 to U+001F)' };
  for (const code of [0, 9, 10, 13, 0x1f]) {
    assert.deepEqual(checkColumnValues({ mid: `m${String.fromCharCode(code)}1`, ets: 1 }), refused, String(code));
  }
  for (const mid of ['m 1', 'm\u007f1', 'मिड-१', 'IMPRESSION:0f3c', '']) {
    assert.equal(checkColumnValues({ mid, ets: 1 }), undefined, JSON.stringify(mid));
  }
});
