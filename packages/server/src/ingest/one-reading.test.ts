import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkColumnValues, MAX_ETS } from './column-values.js';
import { findEventSpans } from './event-spans.js';
import { checkReading } from './one-reading.js';

const reason = (raw: string, maxDepth = 32) => checkReading(raw, maxDepth)?.reason;

test('an event every reader reads alike passes, escapes, pairs and big exact numbers included', () => {
  assert.equal(
    reason('{"a":"x \\ud83d\\ude00 \\"q\\" \\\\u0000","b":[1,-0,1e308,-1e-400,18446744073709551616]}'),
    undefined,
  );
  assert.equal(reason('{"a":{"a":{"a":1}},"b":{"a":2}}'), undefined, 'the same key in different objects');
  assert.equal(reason(' {"k" : "v" , "l" :[ {"k":1} , {"k":2} ] } '), undefined);
});

test('duplicate keys: anywhere, compared after unescaping, also past the linear search', () => {
  assert.equal(reason('{"mid":"a","x":1,"mid":"b"}'), 'duplicate_key');
  assert.equal(reason('{"m\\u0069d":"a","mid":"b"}'), 'duplicate_key');
  assert.equal(reason('{"mid":"a","m\\u0069d":"b"}'), 'duplicate_key');
  assert.equal(reason('{"e":{"l":[{"id":1,"id":2}]}}'), 'duplicate_key');
  const many = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`).join(',');
  assert.equal(reason(`{${many}}`), undefined);
  assert.equal(reason(`{${many},"k3":0}`), 'duplicate_key');
  assert.equal(reason(`{${many},"\\u006b3":0}`), 'duplicate_key');
  assert.match(checkReading('{"id":1,"id":2}', 32)?.error ?? '', /"id" appears twice/);
});

test('lone surrogates in strings and keys are invalid_unicode; NUL is nul_character', () => {
  assert.equal(reason('{"q":"x \\ud83d"}'), 'invalid_unicode');
  assert.equal(reason('{"q":"x \\ud83d\\u0041"}'), 'invalid_unicode');
  assert.equal(reason('{"q":"\\udc00x"}'), 'invalid_unicode');
  assert.equal(reason('{"q\\uDBFF":1}'), 'invalid_unicode');
  assert.equal(reason('{"q":"a\\u0000b"}'), 'nul_character');
  assert.equal(reason('{"\\u0000":1}'), 'nul_character');
  assert.equal(reason('{"q":"a\\\\u0000b \\\\ud83d"}'), undefined, 'an escaped backslash, not an escape');
});

test('numbers: beyond a double, or an integer a double cannot hold exactly, are invalid_number', () => {
  for (const n of ['1e400', '-1E400', '9007199254740993', '-9007199254740993', '123456789012345678901234567890']) {
    assert.equal(reason(`{"n":${n}}`), 'invalid_number', n);
  }
  for (const n of ['9007199254740992', '9223372036854775808', '1.7976931348623157e308', '0.1', '123456789012.12345']) {
    assert.equal(reason(`{"n":[${n}]}`), undefined, n);
  }
});

test('nesting beyond the limit is too_deep, counting the event as level 1', () => {
  assert.equal(reason('{"a":{"b":[1]}}', 3), undefined);
  assert.equal(reason('{"a":{"b":[1]}}', 2), 'too_deep');
  const deep = `{"edata":${'['.repeat(6000)}${']'.repeat(6000)}}`;
  assert.equal(reason(deep), 'too_deep');
  assert.equal(reason(deep, 10_000), undefined, 'no recursion, whatever the depth');
});

test('findEventSpans reads each event in place, and still finds the end of one with a problem', () => {
  const text = '{"events":[{"a":1,"a":2}, {"b":"\\ud83d"} ,{"c":[[[1]]]},"s",true,{"ok":1}]}';
  const spans = findEventSpans(text, 3) ?? [];
  assert.deepEqual(
    spans.map(([start, end, problem]) => [text.slice(start, end), problem?.reason]),
    [
      ['{"a":1,"a":2}', 'duplicate_key'],
      ['{"b":"\\ud83d"}', 'invalid_unicode'],
      ['{"c":[[[1]]]}', 'too_deep'],
      ['"s"', undefined],
      ['true', undefined],
      ['{"ok":1}', undefined],
    ],
  );
});

test('ets: whole ms from 1970 to 9999; numeric edata columns bounded; typed edata fields of their type', () => {
  const ok = { ets: 1_790_000_000_000, edata: { duration: 1.5, rating: -1, type: 'x' } };
  assert.equal(checkColumnValues(ok), undefined);
  assert.equal(checkColumnValues({ ets: 0, edata: {} }), undefined);
  assert.equal(checkColumnValues({ ets: MAX_ETS, edata: {} }), undefined);
  for (const ets of [-1, MAX_ETS + 1, 1_795_950_137_564_000_000, 2 ** 63, 1.5, -0.5]) {
    assert.equal(checkColumnValues({ ets, edata: {} })?.reason, 'invalid_ets', String(ets));
  }
  assert.equal(checkColumnValues({ ets: -0, edata: {} }), undefined, '-0 is 0');
  assert.equal(checkColumnValues({ ets: 1, edata: { duration: 1e308 } })?.reason, 'invalid_number');
  assert.equal(checkColumnValues({ ets: 1, edata: { rating: -1e16 } })?.reason, 'invalid_number');
  assert.equal(checkColumnValues({ ets: 1, edata: { duration: '12' } })?.reason, 'invalid_schema');
  assert.equal(checkColumnValues({ ets: 1, edata: { pageid: { a: 1 } } })?.reason, 'invalid_schema');
  assert.equal(checkColumnValues({ ets: 1, edata: { pageid: null, duration: -0 } }), undefined);
});
