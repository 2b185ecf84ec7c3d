import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkColumnValues, MAX_ETS } from './column-values.js';
import { findEventSpans } from './event-spans.js';
import { checkReading, unreadableBytes } from './one-reading.js';

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

test('duplicate keys: also after an array among the keys, across CR before the colon, with trailing whitespace', () => {
  assert.equal(reason('{"x":1,"y":[2],"y":3}'), 'duplicate_key', 'the keys before an array are kept past it');
  assert.equal(reason('{"a"\r\n:1,"a"\r\n:2}'), 'duplicate_key');
  assert.equal(reason('{"a":1,"a":2} \n'), 'duplicate_key');
});

test('each problem says where and what, a long key or number cut at 40 characters', () => {
  const error = (raw: string, maxDepth = 32) => checkReading(raw, maxDepth)?.error;
  const key40 = 'k'.repeat(40);
  assert.equal(error(`{"${key40}":1,"${key40}":2}`), `the key "${key40}" appears twice in one object`);
  assert.equal(error(`{"${key40}x":1,"${key40}x":2}`), `the key "${key40}…" appears twice in one object`);
  assert.equal(error(`{"n":1${'0'.repeat(400)}}`), `the number 1${'0'.repeat(39)}… is beyond a double`);
  assert.equal(error('{"a":[[1]]}', 2), 'objects and arrays are nested more than 2 levels deep');
  assert.equal(error('{"q":"ab\\u0000"}'), 'a string or key holds \\u0000 at character 8');
  assert.equal(
    error('{"q":"\\ud83d"}'),
    '\\ud83d at character 6 is half of a UTF-16 surrogate pair (an emoji cut in two?)',
  );
});

test('lone surrogates in strings and keys are invalid_unicode; NUL is nul_character', () => {
  assert.equal(reason('{"q":"\\ud83d\\udfff"}'), undefined, 'the last low surrogate completes a pair');
  assert.equal(reason('{"q":"\\udfff"}'), 'invalid_unicode', 'the last low surrogate alone');
  assert.equal(reason('{"q":"\\ud83dxudc00"}'), 'invalid_unicode', 'a low surrogate not written as an escape');
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

// ---- property: the scanner against a slow, obviously correct reference ----------------------------

type Problem = 'too_deep' | 'duplicate_key' | 'invalid_unicode' | 'nul_character' | 'invalid_number';

/** Every problem of `text`, by a recursive parse that decodes each string and key with JSON.parse. */
function referenceProblems(text: string, maxDepth: number): Set<Problem> {
  const found = new Set<Problem>();
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const stringAt = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    const value = JSON.parse(text.slice(start, i)) as string;
    if (value.includes('\u0000')) found.add('nul_character');
    if (/\p{Cs}/u.test(value)) found.add('invalid_unicode');
    return value;
  };
  const value = (depth: number): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth + 1 > maxDepth) found.add('too_deep');
      i++;
      const keys = new Set<string>();
      for (;;) {
        ws();
        if (text[i] === '}' || text[i] === ']') break;
        if (c === '{') {
          const key = stringAt();
          if (keys.has(key)) found.add('duplicate_key');
          keys.add(key);
          ws();
          i++; // the colon
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
      }
      i++;
    } else if (c === '"') {
      stringAt();
    } else if (c === 't' || c === 'n') i += 4;
    else if (c === 'f') i += 5;
    else {
      const literal = /^-?[\d.eE+-]+/.exec(text.slice(i))?.[0] ?? '';
      i += literal.length;
      const n = Number(literal);
      if (!Number.isFinite(n)) found.add('invalid_number');
      else if (/^-?\d+$/.test(literal) && BigInt(literal) !== BigInt(n)) found.add('invalid_number');
    }
  };
  value(0);
  return found;
}

const codeUnit = fc.oneof(
  fc.constantFrom('a', 'mid', '"', '\\', '/', '\n', '\u0000', '\u001f', '\ud83d', '\udc00', '😀', 'é', '\u2028'),
  fc.integer({ min: 0, max: 0xffff }).map((u) => String.fromCharCode(u)),
);
const jsString = fc.array(codeUnit, { maxLength: 4 }).map((units) => units.join(''));
/** A string literal as JSON.stringify writes it, or with every character as a \uXXXX escape. */
const stringLiteral = fc
  .tuple(jsString, fc.boolean())
  .map(([s, escapeAll]) =>
    escapeAll
      ? `"${[...Array(s.length).keys()].map((k) => `\\u${s.charCodeAt(k).toString(16).padStart(4, '0')}`).join('')}"`
      : JSON.stringify(s),
  );
const keyLiteral = fc.oneof(stringLiteral, fc.constantFrom('"a"', '"b"', '"mid"', '"m\\u0069d"', '"\\u0061"'));
const numberLiteral = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.constantFrom(
    '1e400',
    '-1E400',
    '-0',
    '9007199254740993',
    '9007199254740992',
    '1e-400',
    '0.5e3',
    '123456789012345678',
  ),
);
const space = fc.constantFrom('', ' ', '\n  ', '\t');
const { json } = fc.letrec<{ json: string }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    stringLiteral,
    numberLiteral,
    fc.constantFrom('true', 'false', 'null'),
    fc
      .array(fc.tuple(space, tie('json')), { maxLength: 4 })
      .map((items) => `[${items.map(([s, v]) => `${s}${v}${s}`).join(',')}]`),
    fc
      .array(fc.tuple(keyLiteral, space, tie('json')), { maxLength: 4 })
      .map((entries) => `{${entries.map(([k, s, v]) => `${s}${k}${s}:${v}`).join(',')}}`),
  ),
}));

test('property: checkReading finds a problem exactly when the reference does, and one the reference found', () => {
  fc.assert(
    fc.property(json, fc.integer({ min: 1, max: 6 }), (text, maxDepth) => {
      JSON.parse(text); // the generator writes valid JSON only
      const expected = referenceProblems(text, maxDepth);
      const verdict = checkReading(text, maxDepth);
      if (expected.size === 0) assert.equal(verdict, undefined, text);
      else assert.ok(verdict && expected.has(verdict.reason), `${text}: ${verdict?.reason} not in ${[...expected]}`);
    }),
    { numRuns: 3000 },
  );
});

test('property: findEventSpans finds every event of a batch and reads each as checkReading does', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(space, json), { maxLength: 5 }), (items) => {
      const text = `{"id":"x", "events" : [${items.map(([s, v]) => `${s}${v}${s}`).join(',')}]}`;
      const spans = findEventSpans(text, 4) ?? [];
      assert.equal(spans.length, items.length);
      spans.forEach(([start, end, problem], k) => {
        assert.equal(text.slice(start, end), items[k][1]);
        assert.deepEqual(problem, checkReading(items[k][1], 4));
      });
    }),
    { numRuns: 1000 },
  );
});

test('unreadableBytes names the byte decode.ts marked, or the lone surrogate that came some other way', () => {
  assert.equal(unreadableBytes('{"a":"ok 😀"}'), undefined);
  assert.deepEqual(unreadableBytes('{"a":"x\udcff"}'), {
    reason: 'invalid_unicode',
    error: 'not UTF-8: the byte 0xFF at character 7 of the event',
  });
  assert.deepEqual(unreadableBytes('{"a":"\ud83d"}'), {
    reason: 'invalid_unicode',
    error: 'a lone surrogate U+D83D at character 6 of the event',
  });
});
