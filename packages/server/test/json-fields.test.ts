/**
 * analytics/json-fields.ts against DuckDB itself: `readJsonFields` gives what
 * `CASE WHEN json_valid(raw) THEN json_extract_string(raw, path) END` gives, for the edge cases of DuckDB's reader
 * one by one and for generated texts (fast-check): numbers in every notation, escapes, trailing commas, repeated
 * keys, NaN and Infinity, deep nesting, and texts broken by one character.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { readJsonFields } from '../src/analytics/json-fields.js';
import type { Store } from '../src/store/store.js';
import { openMemoryStore } from './support/store.js';

const PATHS = [['context', 'channel'], ['context', 'pdata', 'id'], ['context', 'pdata', 'ver'], ['eid']] as const;

let store: Store;
before(async () => {
  store = await openMemoryStore();
});
after(() => store.close());

/** DuckDB's reading of `raw` at each of PATHS. */
async function duckdb(raw: string): Promise<(string | null)[]> {
  const fields = PATHS.map(
    (path) => `CASE WHEN json_valid($raw) THEN json_extract_string($raw, '$.${path.join('.')}') END`,
  );
  return (await store.query(`SELECT ${fields.join(', ')}`, { raw })).rows[0] as (string | null)[];
}

async function same(raw: string): Promise<void> {
  assert.deepEqual(readJsonFields(raw, PATHS), await duckdb(raw), JSON.stringify(raw));
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const channel = (value: string) => `{"context":{"channel":${value}}}`;

test('the edge cases of DuckDB JSON reader, one by one', async () => {
  const values = [
    '"a"',
    '1.50',
    '1.0',
    '1',
    '-0',
    '-0.0',
    '1e300',
    '1E5',
    '1.5e-7',
    '1.5E-7',
    '123456789012345678901234',
    '18446744073709551616',
    '-9223372036854775809',
    '0.1',
    '100000000000000000000.0',
    '1e21',
    '1e-7',
    '1e-6',
    '1.23e-5',
    '123456.789e3',
    '1e400',
    '-1e400',
    '1e-400',
    '-1e-400',
    '9007199254740993',
    '9007199254740993.0',
    '0e0',
    '-0e0',
    '2.5E+3',
    '9.999999999999999e22',
    '5e-324',
    '1.7976931348623157e308',
    'true',
    'false',
    'null',
    'NaN',
    '-NaN',
    'nan',
    'Inf',
    '-inf',
    'Infinity',
    '-Infinity',
    'INFINITY',
    '+inf',
    'infinit',
    'nana',
    'infinityy',
    'True',
    'NULL',
    '{"b": [1, 2.0, "x"] , "c":{}}',
    '[ ]',
    '[1,]',
    '{"a":1,}',
    '[,]',
    '{,}',
    '[1,,]',
    '[1 , ]',
    '[NaN, Infinity, 1e400]',
    '{"a":"\\b\\f\\r\\t\\n\\u000b\\u001f\\u007f\\/\\u2028"}',
    '{"\\n\\u001f":"x"}',
    '"\\u00e9\\n\\"x"',
    '"\\ud800"',
    '"\\udc00"',
    '"\\ud800\\u0041"',
    '"\\ud83d\\ude00"',
    '"\\u0000"',
    '"\\x"',
    '"\\u00"',
    '"a\tb"',
    '{"x":1,"x":2}',
    '{"a":{"b":[{"c":null}]}}',
    '01',
    '.5',
    '1.',
    '+1',
    '-',
    'tru',
    '"a"  ',
    '"a" x',
  ];
  for (const value of values) await same(channel(value));
  const whole = [
    '',
    ' ',
    '1',
    '"s"',
    'null',
    '[1,]',
    '{"a":1} ',
    ' {"a":1}',
    '\ufeff{"a":1}',
    '// c\n{"a":1}',
    "{'a':1}",
    '{"a":1}{"b":2}',
    '{"a":1} x',
    '{"a":1}\u0000',
    '{"a":1} \u00a0',
    '{"a":[1,2]',
    '{"a" 1}',
    '{"a":1,,}',
    '{"context":{"channel":"a","channel":"b"}}',
    '{"context":{"channel":"a"},"context":{"channel":"b"}}',
    '{"context":"x","context":{"channel":"b"}}',
    '{"context":[1]}',
    '{"context":"x"}',
    '{"context":{"channel":"x"},}',
    '{"context":{"pdata":{"id":"p","ver":3.0},"channel":"c"},"eid":"E"}',
    '{"context" : { "channel" : "x" } }\n',
    '{"context":{"pdata":{"id":["x"],"id":"y","ver":{"v":1E2}}}}',
    '{"eid":{"context":{"channel":"no"}},"context":{}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    `{"context":{"channel":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}}`,
  ];
  for (const raw of whole) await same(raw);
});

/** A JSON value written in one of the notations DuckDB reads. */
const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.double().map((x) => (Number.isFinite(x) ? String(x) : String(x).replace('Infinity', 'Inf'))),
    fc
      .double({ noNaN: true, min: -1e30, max: 1e30 })
      .chain((x) =>
        fc.constantFrom(
          x.toExponential(),
          x.toExponential(3),
          x.toFixed(2),
          x.toPrecision(20),
          x.toExponential().toUpperCase(),
        ),
      ),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
    fc.string({ unit: 'binary', maxLength: 8 }).map((s) => JSON.stringify(s)),
    fc.constantFrom('true', 'false', 'null', 'NaN', '-Infinity', '"\\u001f\\/"', '"\\ud83d\\ude00"'),
    fc.array(tie('v'), { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
    fc
      .array(fc.tuple(fc.constantFrom('a', 'id', 'ver', 'channel', 'pdata', 'context'), tie('v')), { maxLength: 3 })
      .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).v;

test('generated texts, and texts broken by one character: the same fields as DuckDB', async () => {
  const event = fc
    .record({ channel: value, id: value, ver: value, extra: value, eid: value })
    .map(
      ({ channel, id, ver, extra, eid }) =>
        `{"eid":${eid},"context":{"channel":${channel},"pdata":{"id":${id},"ver":${ver},},"x":${extra}}}`,
    );
  const edit = fc.tuple(fc.nat(), fc.constantFrom('', ',', ']', '}', '"', '\\', ' ', '\t', '0', '.', 'e', '\u0001'));
  await fc.assert(
    fc.asyncProperty(event, fc.option(edit), async (raw, change) => {
      const at = change ? change[0] % raw.length : 0;
      const text = change ? raw.slice(0, at) + change[1] + raw.slice(at + 1) : raw;
      // A cut through a surrogate pair leaves half of it: text read from a store is UTF-8, which has no such halves.
      await same(text.replace(LONE_SURROGATE, '\uFFFD'));
    }),
    { numRuns: 400 },
  );
});
