/**
 * store/clickhouse/literal.ts, the one place values become ClickHouse SQL text (18.16 has no query parameters),
 * against the real server: every value written as a literal and selected back is the value itself, whatever it
 * holds (quotes, backslashes, NUL, control bytes, bytes that are not UTF-8, very long text); and a string that has
 * no UTF-8 form (a lone surrogate) reaches the server as the DuckDB store binds it, byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { inlineParams, literal } from '../src/store/clickhouse/literal.js';
import { clickHouseService, clickHouseText } from './support/clickhouse.js';
import { openMemoryStore } from './support/store.js';

const service = clickHouseService();
const skip = 'skip' in service ? service.skip : false;
const httpUrl = 'skip' in service ? '' : service.httpUrl;

/** The values selected back, one per literal, as the server's JSON gives them. */
async function selectBack(literals: string[]): Promise<unknown[]> {
  const sql = `SELECT ${literals.map((l, i) => `${l} AS v${i}`).join(', ')} FORMAT JSONCompact`;
  const url = `${httpUrl}/?max_query_size=${Buffer.byteLength(sql) + 1}&output_format_json_quote_64bit_integers=1`;
  const answer = JSON.parse(await clickHouseText(url, sql)) as { data: unknown[][] };
  assert.equal(answer.data.length, 1, 'one row: no literal ended early and started a statement of its own');
  return answer.data[0];
}

/** Characters that end, escape or confuse a literal or the statement around it, among ordinary ones. */
const HOSTILE = fc.constantFrom(
  "'",
  "''",
  '\\',
  '\\\\',
  '\0',
  '\n',
  '\r',
  '\t',
  '\b',
  '\x1a',
  '\x7f',
  '"',
  '`',
  ';',
  '--',
  '/*',
  '*/',
  '{x:String}',
  '?',
  '\u00e9',
  '\u2028',
  '\uFEFF',
  '\u{1F600}',
  '\uFFFD',
  'x',
  ' ',
  'SELECT',
);
const strings = fc.oneof(
  fc.string({ unit: HOSTILE, maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
);

test('a string round-trips: SELECT <literal> gives the string back, exactly', { skip }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(strings, { minLength: 1, maxLength: 8 }), async (values) => {
      assert.deepEqual(await selectBack(values.map(literal)), values);
    }),
    { numRuns: 200 },
  );
});

test('bytes that are not UTF-8 round-trip byte for byte (hex of the literal is hex of the bytes)', {
  skip,
}, async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      const [hex] = await selectBack([`hex(${literal(bytes)})`]);
      assert.equal(hex, Buffer.from(bytes).toString('hex').toUpperCase());
    }),
    { numRuns: 150 },
  );
});

test('very long strings round-trip (a million characters, escapes and all)', { skip }, async () => {
  const long = "a'\\\0é😀\n".repeat(125_000);
  assert.equal(long.length, 1_000_000);
  const [back, length] = await selectBack([literal(long), `length(${literal(long)})`]);
  assert.equal(back, long);
  assert.equal(length, String(Buffer.byteLength(long)));
});

test('integers, doubles, bigints, booleans, NULL and arrays round-trip', { skip }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.boolean(),
      fc.array(strings, { maxLength: 4 }),
      async (int, double, big, bool, list) => {
        const back = await selectBack([
          literal(int),
          `toString(${literal(double)})`,
          `toString(${literal(big)})`,
          literal(bool),
          literal(null),
          `CAST(${literal(list)} AS Array(String))`,
        ]);
        assert.equal(back[0], int);
        // 0 and -0 are one value to SQL; elsewhere the double's text reads back as the same double.
        assert.equal(Number(back[1]), double === 0 ? 0 : double);
        assert.equal(back[2], String(big));
        assert.deepEqual(back.slice(3), [bool ? 1 : 0, null, list]);
      },
    ),
    { numRuns: 100 },
  );
  assert.deepEqual(await selectBack(['isNaN(nan)', `isInfinite(${literal(-Infinity)})`]), [1, 1]);
});

test('a string with a lone surrogate (no UTF-8 form) reaches ClickHouse as the DuckDB store binds it', {
  skip,
}, async () => {
  const duck = await openMemoryStore();
  try {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    const value = fc
      .array(fc.oneof(surrogate, fc.string({ maxLength: 3 }), fc.constant('\uD83D\uDE00')), {
        minLength: 1,
        maxLength: 8,
      })
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const [[duckdb]] = (await duck.query('SELECT hex(encode($v::VARCHAR))', { v })).rows;
        const [house] = await selectBack([`hex(${literal(v)})`]);
        assert.equal(house, duckdb, JSON.stringify(v));
      }),
      { numRuns: 100 },
    );
    // Each lone surrogate is one U+FFFD (EF BF BD); a pair is its character.
    assert.deepEqual(await selectBack([literal('a\uD800b'), literal('\uDC00\uD800\uD83D\uDE00')]), [
      'a\uFFFDb',
      '\uFFFD\uFFFD\uD83D\uDE00',
    ]);
  } finally {
    await duck.close();
  }
});

test('inlineParams: each {name:Type} becomes CAST(<literal> AS Type); a missing value or odd type is refused', async (t) => {
  assert.equal(
    inlineParams('SELECT {a:String}, {n:Int64}, {xs:Array(String)}', { a: "it's", n: 5, xs: ['x'] }),
    "SELECT CAST('it\\x27s' AS String), CAST(5 AS Int64), CAST(['x'] AS Array(String))",
  );
  assert.throws(() => inlineParams('SELECT {a:String}', {}), /names the parameter \{a\} but none was given/);
  assert.throws(() => inlineParams('SELECT {a:String) --}', { a: 1 }), /not a plain type name/);
  // A row count is written bare (18.16 takes only a number after LIMIT), and only a non-negative integer.
  assert.equal(inlineParams('SELECT 1 LIMIT {n:UInt64}', { n: 20 }), 'SELECT 1 LIMIT 20');
  for (const n of [-1, 1.5, '1; DROP', 2 ** 53])
    assert.throws(() => inlineParams('SELECT 1 LIMIT {n:UInt64}', { n }), /not a non-negative integer/);
  if (skip) return t.skip(skip);
  const sql = inlineParams('SELECT {a:String} AS a, {n:Int64} AS n FORMAT JSONCompact', { a: "x'); DROP", n: -3 });
  assert.deepEqual(JSON.parse(await clickHouseText(httpUrl, sql)).data, [["x'); DROP", '-3']]);
});
