import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findArraySpans, findEventSpans } from './event-spans.js';

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

test('the keys around events are skipped whatever their values: strings holding , } ] and quotes, objects holding them, bare values right before , or }', () => {
  const bodies = [
    '{"a":"x,}]\\"","events":[1]}',
    '{"params":{"s":"}{]","t":["]"]},"events":[1]}',
    '{"n":1,"events":[1],"m":true}',
    '{"events":[1],"n":null}',
  ];
  for (const body of bodies) {
    assert.equal(JSON.parse(body).events[0], 1, body);
    assert.deepEqual(slices(body), ['1'], body);
  }
});

test('CR, LF, tab and space are all whitespace between tokens', () => {
  const body = '{\r\n\t"events" \r\n:\r\n[\r\n1\r\n,\r\n{"a":2}\r\n]\r\n}';
  assert.deepEqual(JSON.parse(body).events, [1, { a: 2 }]);
  assert.deepEqual(slices(body), ['1', '{"a":2}']);
});

test('findArraySpans: the elements of a top-level array (posthog-js batches); undefined for anything else', () => {
  const body = ' [1, {"a":"]"} ,"x"]';
  assert.deepEqual(
    findArraySpans(body)?.map(([start, end]) => body.slice(start, end)),
    ['1', '{"a":"]"}', '"x"'],
  );
  assert.equal(findArraySpans('{"events":[1]}'), undefined);
  assert.equal(findArraySpans('"[1]"'), undefined);
});
