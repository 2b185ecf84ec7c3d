import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEventSpans } from './event-spans.js';

function slices(text: string): string[] | undefined {
  return findEventSpans(text)?.map(([start, end]) => text.slice(start, end));
}

test('returns each element of events exactly as written, whitespace and escapes included', () => {
  const text =
    '{ "id":"x", "params":{"msgid":"m","events":[9]},\n "events" : [ {"eid":"A","s":"q\\"}]{"} ,\n\t"str\\\\" , 12.50e3, [1,[2]], null , true ] , "ets": 1 }';
  assert.deepEqual(slices(text), ['{"eid":"A","s":"q\\"}]{"}', '"str\\\\"', '12.50e3', '[1,[2]]', 'null', 'true']);
  assert.equal(JSON.parse(text).events.length, 6);
});

test('the last events key wins, as in JSON.parse, also when spelled with escapes', () => {
  assert.deepEqual(slices('{"events":[1],"ev\\u0065nts":[{"a":2}]}'), ['{"a":2}']);
  assert.deepEqual(slices('{"events":[1],"events":{"a":2}}'), undefined);
});

test('no events array: undefined; an empty array: no spans', () => {
  assert.equal(slices('[1,2]'), undefined);
  assert.equal(slices('{"a":{"events":[1]}}'), undefined);
  assert.deepEqual(slices('{"events":[ ]}'), []);
});
